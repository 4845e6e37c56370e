"""The route tables: path pattern -> {HTTP method: handler(req, **path_args)}.

Patterns are matched in the order written (literal segments before placeholders of
the same shape).
"""
from api_svc.handlers import aggregates
from api_svc.handlers import availability_zones
from api_svc.handlers import compute_images
from api_svc.handlers import consoles
from api_svc.handlers import deferred_delete  # noqa: F401  (registers its actions)
from api_svc.handlers import extensions
from api_svc.handlers import flavor_access
from api_svc.handlers import flavors
from api_svc.handlers import guest_actions  # noqa: F401  (registers its actions)
from api_svc.handlers import hosts
from api_svc.handlers import image_metadata
from api_svc.handlers import hypervisors
from api_svc.handlers import instance_actions
from api_svc.handlers import instance_usage_audit_log
from api_svc.handlers import keypairs
from api_svc.handlers import limits
from api_svc.handlers import migrations
from api_svc.handlers import ips
from api_svc.handlers import networks
from api_svc.handlers import quota_classes
from api_svc.handlers import quota_sets
from api_svc.handlers import server_groups
from api_svc.handlers import server_shares
from api_svc.handlers import server_actions
from api_svc.handlers import shelve_actions  # noqa: F401 (registers its actions)
from api_svc.handlers import snapshot_actions  # noqa: F401 (registers its actions)
from api_svc.handlers import server_diagnostics
from api_svc.handlers import server_external_events
from api_svc.handlers import server_migrations
from api_svc.handlers import servers
from api_svc.handlers import services
from api_svc.handlers import simple_tenant_usage
from api_svc.handlers import volume_attachments
from api_svc.images import handlers as images

# Under /v2.1 (or /v2.1/{project_id}).
COMPUTE_ROUTES = {
    '/servers': {'GET': servers.index, 'POST': servers.create},
    '/servers/detail': {'GET': servers.detail},
    '/servers/{server_id}': {'GET': servers.show, 'PUT': servers.update,
                             'DELETE': servers.delete},
    '/servers/{server_id}/action': {'POST': server_actions.dispatch},
    '/servers/{server_id}/ips': {'GET': ips.index},
    '/servers/{server_id}/ips/{network_label}': {'GET': ips.show},
    '/servers/{server_id}/os-instance-actions': {'GET': instance_actions.index},
    '/servers/{server_id}/os-instance-actions/{request_id}': {
        'GET': instance_actions.show},
    '/servers/{server_id}/migrations': {'GET': server_migrations.index},
    '/servers/{server_id}/migrations/{migration_id}': {'GET': server_migrations.show,
                                                       'DELETE': server_migrations.delete},
    '/servers/{server_id}/migrations/{migration_id}/action': {
        'POST': server_migrations.action},
    '/servers/{server_id}/shares': {'GET': server_shares.index,
                                    'POST': server_shares.create},
    '/servers/{server_id}/shares/{share_id}': {'GET': server_shares.show,
                                               'DELETE': server_shares.delete},
    '/servers/{server_id}/remote-consoles': {'POST': consoles.create},
    '/servers/{server_id}/diagnostics': {'GET': server_diagnostics.show},
    '/servers/{server_id}/os-volume_attachments': {'GET': volume_attachments.index,
                                                   'POST': volume_attachments.create},
    '/servers/{server_id}/os-volume_attachments/{volume_id}': {
        'GET': volume_attachments.show, 'PUT': volume_attachments.update,
        'DELETE': volume_attachments.delete},
    '/os-console-auth-tokens/{console_token}': {'GET': consoles.show_token},
    '/os-migrations': {'GET': migrations.index},
    '/os-server-external-events': {'POST': server_external_events.create},
    '/os-keypairs': {'GET': keypairs.index, 'POST': keypairs.create},
    '/os-keypairs/{name}': {'GET': keypairs.show, 'DELETE': keypairs.delete},
    '/os-server-groups': {'GET': server_groups.index, 'POST': server_groups.create},
    '/os-server-groups/{group_id}': {'GET': server_groups.show,
                                     'DELETE': server_groups.delete},
    '/flavors': {'GET': flavors.index, 'POST': flavors.create},
    '/flavors/detail': {'GET': flavors.detail},
    '/flavors/{flavor_id}': {'GET': flavors.show, 'PUT': flavors.update,
                             'DELETE': flavors.delete},
    '/flavors/{flavor_id}/action': {'POST': flavor_access.action},
    '/flavors/{flavor_id}/os-flavor-access': {'GET': flavor_access.index},
    '/flavors/{flavor_id}/os-extra_specs': {'GET': flavors.extra_specs_index,
                                            'POST': flavors.extra_specs_create},
    '/flavors/{flavor_id}/os-extra_specs/{key}': {'GET': flavors.extra_spec_show,
                                                  'PUT': flavors.extra_spec_update,
                                                  'DELETE': flavors.extra_spec_delete},
    '/os-services': {'GET': services.index},
    '/os-services/{service_id}': {'PUT': services.update, 'DELETE': services.delete},
    '/os-hypervisors': {'GET': hypervisors.index},
    '/os-hypervisors/detail': {'GET': hypervisors.detail},
    '/os-hypervisors/statistics': {'GET': hypervisors.statistics},
    '/os-hypervisors/{hypervisor_id}': {'GET': hypervisors.show},
    '/os-hypervisors/{hypervisor_id}/uptime': {'GET': hypervisors.uptime},
    '/os-hypervisors/{pattern}/search': {'GET': hypervisors.search},
    '/os-hypervisors/{pattern}/servers': {'GET': hypervisors.servers},
    '/limits': {'GET': limits.show},
    '/os-quota-sets/{project_id}': {'GET': quota_sets.show, 'PUT': quota_sets.update,
                                    'DELETE': quota_sets.delete},
    '/os-quota-sets/{project_id}/detail': {'GET': quota_sets.detail},
    '/os-quota-sets/{project_id}/defaults': {'GET': quota_sets.defaults},
    '/os-quota-class-sets/{quota_class}': {'GET': quota_classes.show,
                                           'PUT': quota_classes.update},
    '/os-hosts': {'GET': hosts.index},
    '/os-hosts/{host_name}': {'GET': hosts.show, 'PUT': hosts.update},
    '/os-hosts/{host_name}/startup': {'GET': hosts.startup},
    '/os-hosts/{host_name}/shutdown': {'GET': hosts.shutdown},
    '/os-hosts/{host_name}/reboot': {'GET': hosts.reboot},
    '/os-instance_usage_audit_log': {'GET': instance_usage_audit_log.index},
    '/os-instance_usage_audit_log/{before_timestamp}': {
        'GET': instance_usage_audit_log.show},
    '/os-networks': {'GET': networks.index, 'POST': networks.gone},
    '/os-networks/add': {'POST': networks.gone},
    '/os-networks/{network_id}': {'GET': networks.show, 'DELETE': networks.gone},
    '/os-networks/{network_id}/action': {'POST': networks.gone},
    '/os-tenant-networks': {'GET': networks.tenant_index, 'POST': networks.gone},
    '/os-tenant-networks/{network_id}': {'GET': networks.tenant_show,
                                         'DELETE': networks.gone},
    '/extensions': {'GET': extensions.index},
    '/extensions/{alias}': {'GET': extensions.show},
    '/os-aggregates': {'GET': aggregates.index, 'POST': aggregates.create},
    '/os-aggregates/{aggregate_id}': {'GET': aggregates.show, 'PUT': aggregates.update,
                                      'DELETE': aggregates.delete},
    '/os-aggregates/{aggregate_id}/action': {'POST': aggregates.action},
    '/os-aggregates/{aggregate_id}/images': {'POST': aggregates.cache_images},
    '/os-availability-zone': {'GET': availability_zones.index},
    '/os-availability-zone/detail': {'GET': availability_zones.detail},
    '/images': {'GET': compute_images.index},
    '/images/detail': {'GET': compute_images.detail},
    '/images/{image_id}': {'GET': compute_images.show, 'DELETE': compute_images.delete},
    '/images/{image_id}/metadata': {'GET': image_metadata.index,
                                    'POST': image_metadata.create,
                                    'PUT': image_metadata.update_all},
    '/images/{image_id}/metadata/{key}': {'GET': image_metadata.show,
                                          'PUT': image_metadata.update,
                                          'DELETE': image_metadata.delete},
    '/os-simple-tenant-usage': {'GET': simple_tenant_usage.index},
    '/os-simple-tenant-usage/{tenant_id}': {'GET': simple_tenant_usage.show},
}

# Under /image: the Glance v2 compatible image API.
IMAGE_ROUTES = {
    '': {'GET': images.versions},
    '/versions': {'GET': images.versions},
    '/v2': {'GET': images.versions},
    '/v2/images': {'GET': images.index, 'POST': images.create},
    '/v2/images/{image_id}': {'GET': images.show, 'PATCH': images.update,
                              'DELETE': images.delete},
    '/v2/images/{image_id}/file': {'GET': images.download, 'PUT': images.upload},
    '/v2/images/{image_id}/locations': {'POST': images.add_location},
    '/v2/images/{image_id}/tasks': {'GET': images.tasks},
    '/v2/images/{image_id}/tags/{tag}': {'PUT': images.add_tag,
                                         'DELETE': images.remove_tag},
    '/v2/schemas/image': {'GET': images.image_schema},
    '/v2/schemas/images': {'GET': images.images_schema},
}
