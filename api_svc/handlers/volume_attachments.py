"""/servers/{id}/os-volume_attachments. This cloud has no block storage service, so a
server has no volume attached and a volume to attach cannot be found (the request is
checked first, as Nova checks it; from 2.101 an attach Nova accepts answers 202)."""
from api_svc.handlers import servers
from api_svc.policies import volume_attachments as attachment_policies
from api_svc import request as api_request
from api_svc.schemas import volume_attachments as schemas
from api_svc import validation
from svc_common import exception


def _no_attachment(server_id, volume_id):
    return exception.NotFound(message='Volume %s is not attached to server %s.'
                                      % (volume_id, server_id))


def index(req, server_id):
    servers.get_readable(req, server_id, attachment_policies.INDEX)
    return api_request.json_response({'volumeAttachments': []})


@validation.body(schemas.create)
def create(req, server_id):
    body = req.validated_body()
    servers.get_authorized(req, server_id, attachment_policies.CREATE)
    raise exception.NotFound(message='Volume %s could not be found: this cloud has no '
                                     'block storage service.'
                                     % body['volumeAttachment']['volumeId'])


def show(req, server_id, volume_id):
    servers.get_readable(req, server_id, attachment_policies.SHOW)
    raise _no_attachment(server_id, volume_id)


@validation.body(schemas.update)
def update(req, server_id, volume_id):
    req.validated_body()
    servers.get_authorized(req, server_id, attachment_policies.UPDATE)
    raise _no_attachment(server_id, volume_id)


def delete(req, server_id, volume_id):
    servers.get_authorized(req, server_id, attachment_policies.DELETE)
    raise _no_attachment(server_id, volume_id)
