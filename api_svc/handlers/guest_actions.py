"""Server actions done by one step on the server's host (svc_common/guest_actions.py):
pause, unpause, suspend and resume, without arguments."""
from api_svc.handlers import server_actions
from api_svc.handlers import servers
from api_svc.policies import guest_actions as policies
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
