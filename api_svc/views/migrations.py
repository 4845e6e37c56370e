"""Migration bodies of GET /os-migrations at each microversion."""
from api_svc.views import common


def migration(version, item):
    body = {
        'id': item.id,
        'status': item.status,
        'instance_uuid': item.instance_uuid,
        'source_node': item.source_node,
        'source_compute': item.source_compute,
        'dest_node': item.dest_node,
        'dest_compute': item.dest_compute,
        'dest_host': item.dest_host,
        'old_instance_type_id': item.old_instance_type_id,
        'new_instance_type_id': item.new_instance_type_id,
        'created_at': common.iso_micro(item.created_at),
        'updated_at': common.iso_micro(item.updated_at),
    }
    if version.matches('2.23'):
        # 2.23 also adds 'links', but only to live migrations in progress: Nimbus has
        # no live migration, so no migration carries them.
        body['migration_type'] = item.migration_type
    if version.matches('2.59'):
        body['uuid'] = item.uuid
    if version.matches('2.80'):
        body['user_id'] = item.user_id or ''
        body['project_id'] = item.project_id or ''
    return body
