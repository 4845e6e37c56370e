"""/servers/{id}/shares (2.97): shared file systems (Manila shares) attached to a
server. This cloud has no shared file system service, so no share is ever attached: the
list is empty, and a share to attach cannot be found."""
from api_svc.handlers import servers
from api_svc.policies import server_shares as share_policies
from api_svc import request as api_request
from api_svc.schemas import server_shares as schemas
from api_svc import validation
from svc_common import exception
from svc_common import states


def _check_version(req):
    if not req.version.matches('2.97'):
        raise exception.NotFound(message='The resource could not be found.')


def _not_attached(server_id, share_id):
    return exception.NotFound(message='Share %s is not attached to server %s.'
                                      % (share_id, server_id))


def index(req, server_id):
    _check_version(req)
    servers.get_readable(req, server_id, share_policies.INDEX)
    return api_request.json_response({'shares': []})


@validation.body(schemas.create)
def create(req, server_id):
    _check_version(req)
    share = req.validated_body()['share']
    instance = servers.get_authorized(req, server_id, share_policies.CREATE)
    if instance.vm_state != states.VmState.STOPPED:
        raise exception.InstanceInvalidState(method='attach share', attr='vm_state',
                                             instance_uuid=server_id,
                                             state=instance.vm_state)
    raise exception.NotFound(message='Share %s could not be found: this cloud has no '
                                     'shared file system service.' % share['share_id'])


def show(req, server_id, share_id):
    _check_version(req)
    servers.get_readable(req, server_id, share_policies.SHOW)
    raise _not_attached(server_id, share_id)


def delete(req, server_id, share_id):
    _check_version(req)
    servers.get_authorized(req, server_id, share_policies.DELETE)
    raise _not_attached(server_id, share_id)
