"""POST /servers/{id}/action: one handler per action name.

Each action registers here with ``@action('name', schema)`` and receives the request, the
server id and the whole body.
"""
from oslo_utils import strutils

from api_svc import compute_api
from api_svc.handlers import servers
from api_svc.policies import admin_actions as admin_action_policies
from api_svc.policies import lock_server as lock_policies
from api_svc.policies import migrate_server as migrate_policies
from api_svc.policies import security_groups as security_group_policies
from api_svc.policies import servers as server_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc import security_groups
from api_svc.schemas import servers as schemas
from api_svc import validation
from api_svc.views import servers as views
from svc_common import exception
from svc_common import states

ACTIONS = {}


def action(name, schema):
    """Register ``handler`` for the action ``name`` taking a body of ``schema`` (see
    validation.body)."""
    def register(handler):
        ACTIONS[name] = validation.body(schema)(handler)
        return ACTIONS[name]
    return register


def dispatch(req, server_id):
    body = req.json_body()
    if not isinstance(body, dict) or len(body) != 1:
        raise exception.Invalid(message='An action body names exactly one action.')
    name = next(iter(body))
    handler = ACTIONS.get(name)
    if handler is None:
        raise exception.Invalid(message='There is no such action: %s' % name)
    return handler(req, server_id, body)


dispatch.actions = ACTIONS  # each declares its body (the OpenAPI document reads them)


def accepted():
    return api_request.empty_response(202)


@action('os-stop', schemas.no_argument('os-stop'))
def stop(req, server_id, body):
    instance = servers.get_authorized(req, server_id, server_policies.STOP)
    req.validated_body(body)
    req.services.compute_api.stop(req.context, instance)
    return accepted()


@action('os-start', schemas.no_argument('os-start'))
def start(req, server_id, body):
    instance = servers.get_authorized(req, server_id, server_policies.START)
    req.validated_body(body)
    req.services.compute_api.start(req.context, instance)
    return accepted()


@action('reboot', schemas.reboot)
def reboot(req, server_id, body):
    instance = servers.get_authorized(req, server_id, server_policies.REBOOT)
    reboot_type = req.validated_body(body)['reboot']['type'].upper()
    req.services.compute_api.reboot(req.context, instance, reboot_type)
    return accepted()


@action('os-getConsoleOutput', schemas.console_output)
def console_output(req, server_id, body):
    instance = servers.get_authorized(req, server_id, server_policies.CONSOLE_OUTPUT)
    args = req.validated_body(body)['os-getConsoleOutput'] or {}
    length = args.get('length')
    if length is not None:
        length = api_request.to_int(length, 'length', minimum=-1)
    length = None if length == -1 else length
    output = req.services.compute_api.console_output(req.context, instance, length)
    return api_request.json_response({'output': output})


@action('rebuild', schemas.rebuild)
def rebuild(req, server_id, body):
    instance = servers.get_authorized(req, server_id, server_policies.REBUILD)
    args = req.validated_body(body)['rebuild']
    if args.get('trusted_image_certificates'):  # accepted, as at create; not verified
        policy.authorize(req.context, server_policies.REBUILD_TRUSTED_CERTS,
                         servers.target(instance))
    servers.check_user_data(args.get('user_data'))
    changes = servers.field_changes(args)
    if 'metadata' in args:
        changes['metadata'] = args['metadata']
    request = compute_api.RebuildRequest(
        image_id=servers.ref_id(args['imageRef']), changes=changes,
        preserve_ephemeral=strutils.bool_from_string(args.get('preserve_ephemeral')))
    for name in ('key_name', 'user_data'):
        if name in args:
            setattr(request, name, args[name])
    instance = req.services.compute_api.rebuild(req.context, instance, request)
    admin_pass = args.get('adminPass') or compute_api.generate_password()
    return api_request.json_response(
        {'server': views.ServerView(req).rebuilt(instance, admin_pass)}, status=202)


# -- resize and cold migration -------------------------------------------------------------
# A resize, a confirm and a revert read the server, check and write in one transaction
# (compute_api.write_together), and cast once it commits.
@action('resize', schemas.resize)
def resize(req, server_id, body):
    return compute_api.write_together(req.context, _resize, req, server_id, body)


def _resize(context, req, server_id, body):
    instance = servers.get_authorized(req, server_id, server_policies.RESIZE)
    args = req.validated_body(body)['resize']
    flavor_id = str(args['flavorRef']).rstrip('/').rsplit('/', 1)[-1]
    try:
        req.services.move_api.resize(req.context, instance, flavor_id)
    except exception.FlavorNotFound as error:
        raise exception.Invalid(message=error.message)
    return accepted()


@action('migrate', schemas.migrate)
def migrate(req, server_id, body):
    args = req.validated_body(body)['migrate'] or {}
    host = args.get('host')
    instance = servers.get_authorized(req, server_id, migrate_policies.MIGRATE_HOST if host
                                      else migrate_policies.MIGRATE)
    try:
        req.services.move_api.migrate(req.context, instance, host=host)
    except exception.ComputeHostNotFound as error:
        raise exception.Invalid(message=error.message)
    return accepted()


@action('os-migrateLive', schemas.migrate_live)
def migrate_live(req, server_id, body):
    args = req.validated_body(body)['os-migrateLive']
    host = args.get('host')
    instance = servers.get_authorized(req, server_id, migrate_policies.MIGRATE_LIVE_HOST
                                      if host else migrate_policies.MIGRATE_LIVE)
    block_migration = args['block_migration']
    if block_migration != 'auto':
        block_migration = strutils.bool_from_string(block_migration, strict=True)
    force = strutils.bool_from_string(args.get('force', False), strict=True)
    if force and not host:
        raise exception.Invalid(message="Can't force to a non-provided destination")
    try:
        # Before 2.34 the checks answer the request (a 400 when no host will do).
        req.services.live_migrate_api.live_migrate(req.context, instance, host,
                                                   block_migration, force=force,
                                                   wait=not req.version.matches('2.34'))
    except (exception.ComputeHostNotFound, exception.MigrationPreCheckError) as error:
        raise exception.Invalid(message=error.message)
    return accepted()


@action('confirmResize', schemas.any_argument('confirmResize'))
def confirm_resize(req, server_id, body):
    return compute_api.write_together(req.context, _confirm_resize, req, server_id, body)


def _confirm_resize(context, req, server_id, body):
    instance = servers.get_authorized(req, server_id, server_policies.CONFIRM_RESIZE)
    req.validated_body(body)
    try:
        req.services.move_api.confirm_resize(req.context, instance)
    except exception.MigrationNotFound:
        raise exception.Invalid(message='Instance has not been resized.')
    return api_request.empty_response(204)


@action('revertResize', schemas.any_argument('revertResize'))
def revert_resize(req, server_id, body):
    return compute_api.write_together(req.context, _revert_resize, req, server_id, body)


def _revert_resize(context, req, server_id, body):
    instance = servers.get_authorized(req, server_id, server_policies.REVERT_RESIZE)
    req.validated_body(body)
    try:
        req.services.move_api.revert_resize(req.context, instance)
    except exception.MigrationNotFound:
        raise exception.Invalid(message='Instance has not been resized.')
    return accepted()


# -- lock, unlock, reset state -------------------------------------------------------------
@action('lock', schemas.lock)
def lock(req, server_id, body):
    instance = servers.get_authorized(req, server_id, lock_policies.LOCK)
    args = req.validated_body(body)['lock'] or {}
    reason = args.get('locked_reason') if req.version.matches('2.73') else None
    req.services.compute_api.lock(req.context, instance, reason)
    return accepted()


@action('unlock', schemas.any_argument('unlock'))
def unlock(req, server_id, body):
    instance = servers.get_authorized(req, server_id, lock_policies.UNLOCK)
    req.validated_body(body)
    compute = req.services.compute_api
    if compute.locked_by_other(req.context, instance):
        policy.authorize(req.context, lock_policies.UNLOCK_OVERRIDE, servers.target(instance))
    compute.unlock(req.context, instance)
    return accepted()


@action('os-resetState', schemas.reset_state)
def reset_state(req, server_id, body):
    instance = servers.get_authorized(req, server_id, admin_action_policies.RESET_STATE)
    state = req.validated_body(body)['os-resetState']['state']
    req.services.compute_api.reset_state(req.context, instance, states.VmState(state))
    return accepted()


# -- security groups (no network service: names kept with the server) ------------------
@action('addSecurityGroup', schemas.security_group('addSecurityGroup'))
def add_security_group(req, server_id, body):
    instance = servers.get_authorized(req, server_id, security_group_policies.ADD)
    args = req.validated_body(body)
    security_groups.add(instance, args['addSecurityGroup']['name'])
    return accepted()


@action('removeSecurityGroup', schemas.security_group('removeSecurityGroup'))
def remove_security_group(req, server_id, body):
    instance = servers.get_authorized(req, server_id, security_group_policies.REMOVE)
    args = req.validated_body(body)
    security_groups.remove(instance, args['removeSecurityGroup']['name'])
    return accepted()
