"""Aggregate bodies at each microversion."""
from api_svc.views import common


def view(req, aggregate, with_members=True):
    """An aggregate as Nova shows it; create answers without hosts and metadata."""
    body = {
        'id': aggregate.id,
        'name': aggregate.name,
        'availability_zone': aggregate.availability_zone,
        'created_at': common.iso_micro(aggregate.created_at),
        'updated_at': common.iso_micro(aggregate.updated_at),
        'deleted': False,
        'deleted_at': None,
    }
    if with_members:
        body['hosts'] = list(aggregate.hosts)
        body['metadata'] = dict(aggregate.metadata)
    if req.version.matches('2.41'):
        body['uuid'] = aggregate.uuid
    return body
