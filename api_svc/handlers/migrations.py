"""/os-migrations: every resize and cold migration of the cloud (admin)."""
from api_svc import move_api
from api_svc.policies import migrations as migration_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.views import common
from api_svc.views import migrations as views

# Query parameters passed straight to MigrationList filters.
_FILTERS = ('host', 'status', 'instance_uuid', 'migration_type')


def index(req):
    policy.authorize(req.context, migration_policies.INDEX)
    query = _query(req)
    migrations = move_api.list_migrations(req.context, query)
    body = {'migrations': [views.migration(req.version, m, req) for m in migrations]}
    if query.limit is not None and migrations and len(migrations) == query.limit:
        body['migrations_links'] = common.next_link(req, 'os-migrations',
                                                    migrations[-1].uuid)
    return api_request.json_response(body)


# What a query may name once unknown names are refused (2.102).
_KNOWN_QUERY = ('hidden', 'host', 'instance_uuid', 'source_compute', 'status',
                'migration_type', 'limit', 'marker', 'changes-since', 'changes-before',
                'user_id', 'project_id')


def _query(req):
    """The MigrationQuery of this request; parameters a microversion does not know are
    ignored, as are unknown ones ('hidden' among them: no migration is hidden)."""
    params, version = req.GET, req.version
    req.check_query(_KNOWN_QUERY, since='2.102')
    query = move_api.MigrationQuery()
    for name in _FILTERS:
        if params.get(name):
            query.filters[name] = params[name]
    query.source_compute = params.get('source_compute') or None
    if version.matches('2.59'):
        query.limit, query.marker = req.paging()
        since = req.query_time('changes-since')
        if since is not None:
            query.filters['changes-since'] = since
    if version.matches('2.66'):
        query.changes_before = req.query_time('changes-before')
    if version.matches('2.80'):
        for name in ('user_id', 'project_id'):
            if params.get(name):
                query.filters[name] = params[name]
    return query
