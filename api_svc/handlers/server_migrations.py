"""/servers/{server_id}/migrations: a server's live migrations in progress (list and show
from 2.23), force_complete (2.22) and abort (DELETE, 2.24; queued or preparing ones too
from 2.65)."""
from api_svc.handlers import servers
from api_svc.policies import server_migrations as policies
from api_svc import request as api_request
from api_svc.schemas import servers as schemas
from api_svc import validation
from api_svc.views import migrations as views
from svc_common import exception


def _since(req, version):
    if not req.version.matches(version):
        raise exception.NotFound(message='The resource could not be found.')


def index(req, server_id):
    _since(req, '2.23')
    instance = servers.get_authorized(req, server_id, policies.INDEX)
    migrations = req.services.live_migrate_api.in_progress(req.context, instance)
    return api_request.json_response(
        {'migrations': [views.server_migration(req.version, m) for m in migrations]})


def show(req, server_id, migration_id):
    _since(req, '2.23')
    instance = servers.get_authorized(req, server_id, policies.SHOW)
    migration = req.services.live_migrate_api.get_in_progress(req.context, instance,
                                                              migration_id)
    return api_request.json_response(
        {'migration': views.server_migration(req.version, migration)})


@validation.body(schemas.any_argument('force_complete'))
def action(req, server_id, migration_id):
    _since(req, '2.22')
    req.validated_body()
    instance = servers.get_authorized(req, server_id, policies.FORCE_COMPLETE)
    req.services.live_migrate_api.force_complete(req.context, instance, migration_id)
    return api_request.empty_response(202)


def delete(req, server_id, migration_id):
    _since(req, '2.24')
    instance = servers.get_authorized(req, server_id, policies.DELETE)
    req.services.live_migrate_api.abort(req.context, instance, migration_id,
                                        version_allows_queued=req.version.matches('2.65'))
    return api_request.empty_response(202)
