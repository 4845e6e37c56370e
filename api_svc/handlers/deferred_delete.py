"""The restore and forceDelete server actions: a server deleted while
[DEFAULT]/reclaim_instance_interval is set stays SOFT_DELETED until its host reclaims
it; restore brings it back, forceDelete deletes it (or any server) at once."""
from api_svc.handlers import server_actions
from api_svc.handlers import servers
from api_svc.policies import deferred_delete as policies
from api_svc.schemas import servers as schemas


@server_actions.action('restore', schemas.any_argument('restore'))
def restore(req, server_id, body):
    instance = servers.get_authorized(req, server_id, policies.RESTORE)
    req.validated_body(body)
    req.services.compute_api.restore(req.context, instance)
    return server_actions.accepted()


@server_actions.action('forceDelete', schemas.any_argument('forceDelete'))
def force_delete(req, server_id, body):
    instance = servers.get_authorized(req, server_id, policies.FORCE)
    req.validated_body(body)
    req.services.compute_api.delete(req.context, instance, force=True)
    return server_actions.accepted()
