"""The createImage and createBackup server actions (api_svc.snapshot_api does the
work): 202 with the image's id in the body from microversion 2.45, before that in a
Location header."""
from api_svc.handlers import server_actions
from api_svc.handlers import servers
from api_svc.policies import snapshots as snapshot_policies
from api_svc import request as api_request
from api_svc.schemas import snapshots as schemas


def _created(req, image, location=True):
    if req.version.matches('2.45'):
        return api_request.json_response({'image_id': image.id}, status=202)
    resp = api_request.empty_response(202)
    if location:
        resp.headers['Location'] = '%s/image/v2/images/%s' % (req.base_url, image.id)
    return resp


@server_actions.action('createImage', schemas.create_image)
def create_image(req, server_id, body):
    instance = servers.get_authorized(req, server_id, snapshot_policies.CREATE_IMAGE)
    args = req.validated_body(body)['createImage']
    image = req.services.snapshot_api.create_image(req.context, instance, args['name'],
                                                   args.get('metadata'))
    return _created(req, image)


@server_actions.action('createBackup', schemas.create_backup)
def create_backup(req, server_id, body):
    instance = servers.get_authorized(req, server_id, snapshot_policies.CREATE_BACKUP)
    args = req.validated_body(body)['createBackup']
    rotation = api_request.to_int(args['rotation'], 'rotation', 0)
    image = req.services.snapshot_api.backup(req.context, instance, args['name'],
                                             args['backup_type'], rotation,
                                             args.get('metadata'))
    return _created(req, image, location=rotation > 0)
