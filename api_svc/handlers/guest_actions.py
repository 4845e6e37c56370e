"""Server actions done by one step on the server's host (svc_common/guest_actions.py):
pause, unpause, suspend, resume and unrescue, without arguments, and rescue."""
from api_svc import compute_api
from api_svc.handlers import server_actions
from api_svc.handlers import servers
from api_svc.policies import guest_actions as policies
from api_svc import request as api_request
from api_svc.schemas import servers as schemas


def _without_arguments(name):
    def handler(req, server_id, body):
        instance = servers.get_authorized(req, server_id, policies.BY_ACTION[name])
        req.validated_body(body)
        req.services.compute_api.guest_action(req.context, instance, name)
        return server_actions.accepted()
    handler.__name__ = name
    return server_actions.action(name, schemas.no_argument(name))(handler)


pause = _without_arguments('pause')
unpause = _without_arguments('unpause')
suspend = _without_arguments('suspend')
resume = _without_arguments('resume')
unrescue = _without_arguments('unrescue')


@server_actions.action('rescue', schemas.rescue)
def rescue(req, server_id, body):
    """200 with the administrator password of the rescue guest (generated unless the
    request gives one)."""
    instance = servers.get_authorized(req, server_id, policies.RESCUE)
    args = req.validated_body(body)['rescue'] or {}
    image_ref = args.get('rescue_image_ref')
    req.services.compute_api.rescue(req.context, instance,
                                    servers.ref_id(image_ref) if image_ref else None)
    admin_pass = args.get('adminPass') or compute_api.generate_password()
    return api_request.json_response({'adminPass': admin_pass})
