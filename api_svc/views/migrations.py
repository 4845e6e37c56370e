"""Migration bodies of GET /os-migrations at each microversion."""
from api_svc.views import common
from svc_common import states


def _live_in_progress(item):
    return item.migration_type == states.MigrationType.LIVE_MIGRATION and \
        item.status in states.LIVE_MIGRATION_IN_PROGRESS


def migration(version, item, req=None):
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
        body['migration_type'] = item.migration_type
        if req is not None and _live_in_progress(item):  # where to follow it
            body['links'] = common.links(req, 'servers/%s/migrations' % item.instance_uuid,
                                         item.id)
    if version.matches('2.59'):
        body['uuid'] = item.uuid
    if version.matches('2.80'):
        body['user_id'] = item.user_id or ''
        body['project_id'] = item.project_id or ''
    return body


def server_migration(version, item):
    """A live migration in progress, as GET /servers/{id}/migrations shows it (2.23)."""
    body = {
        'id': item.id,
        'server_uuid': item.instance_uuid,
        'status': item.status,
        'source_compute': item.source_compute,
        'source_node': item.source_node,
        'dest_compute': item.dest_compute,
        'dest_node': item.dest_node,
        'dest_host': item.dest_host,
        'created_at': common.iso_micro(item.created_at),
        'updated_at': common.iso_micro(item.updated_at),
        # Progress counters Nova's libvirt driver reports while memory is copied;
        # Nimbus does not track them (zero until it does).
        'memory_total_bytes': 0, 'memory_processed_bytes': 0,
        'memory_remaining_bytes': 0, 'disk_total_bytes': 0,
        'disk_processed_bytes': 0, 'disk_remaining_bytes': 0,
    }
    if version.matches('2.59'):
        body['uuid'] = item.uuid
    if version.matches('2.80'):
        body['user_id'] = item.user_id or ''
        body['project_id'] = item.project_id or ''
    return body
