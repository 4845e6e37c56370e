"""/extensions: the extension list of the v2 era, frozen at v2.1 as Nova keeps it.
Clients of the v2 API looked features up here; since v2.1 the microversions say what the
API does, so the list is the same in every deployment and at every microversion."""
from api_svc.policies import extensions as extension_policies
from api_svc import policy
from api_svc import request as api_request
from svc_common import exception

_UPDATED = '2014-12-03T00:00:00Z'
_NAMESPACE = 'http://docs.openstack.org/compute/ext/fake_xml'

# (alias, name, what it covers)
_EXTENSIONS = (
    ('os-access-ips', 'AccessIPs', 'Access IPv4 and IPv6 addresses of servers.'),
    ('os-admin-actions', 'AdminActions', 'Reset the state of a server.'),
    ('os-admin-password', 'AdminPassword', 'Change the administrator password.'),
    ('os-aggregates', 'Aggregates', 'Host aggregates.'),
    ('os-assisted-volume-snapshots', 'AssistedVolumeSnapshots',
     'Volume snapshots a compute host assists with.'),
    ('os-attach-interfaces', 'AttachInterfaces', 'Network interfaces of servers.'),
    ('os-availability-zone', 'AvailabilityZone', 'Availability zones.'),
    ('os-block-device-mapping', 'BlockDeviceMapping', 'Block device mappings at boot.'),
    ('os-config-drive', 'ConfigDrive', 'Config drives of servers.'),
    ('os-console-auth-tokens', 'ConsoleAuthTokens', 'Connection details of console tokens.'),
    ('os-console-output', 'ConsoleOutput', 'The console output of servers.'),
    ('os-consoles', 'Consoles', 'Consoles of servers (remote consoles since 2.6).'),
    ('os-create-backup', 'CreateBackup', 'Rotated backups of servers.'),
    ('os-deferred-delete', 'DeferredDelete', 'Restore and force-delete of soft-deleted '
     'servers.'),
    ('os-evacuate', 'Evacuate', 'Evacuate servers off a failed host.'),
    ('OS-EXT-AZ', 'ExtendedAvailabilityZone', 'The availability zone in server bodies.'),
    ('OS-EXT-IMG-SIZE', 'ImageSize', 'The size of images.'),
    ('OS-EXT-IPS', 'ExtendedIps', 'Address types in server bodies.'),
    ('OS-EXT-IPS-MAC', 'ExtendedIpsMac', 'MAC addresses in server bodies.'),
    ('OS-EXT-SRV-ATTR', 'ExtendedServerAttributes', 'Host and instance names of servers.'),
    ('OS-EXT-STS', 'ExtendedStatus', 'vm, task and power states in server bodies.'),
    ('os-extended-volumes', 'ExtendedVolumes', 'Attached volumes in server bodies.'),
    ('OS-DCF', 'DiskConfig', 'The disk configuration of servers.'),
    ('OS-FLV-DISABLED', 'FlavorDisabled', 'Whether a flavor is disabled.'),
    ('OS-FLV-EXT-DATA', 'FlavorExtraData', 'Ephemeral disk sizes of flavors.'),
    ('os-flavor-access', 'FlavorAccess', 'Projects that may use private flavors.'),
    ('os-flavor-extra-specs', 'FlavorExtraSpecs', 'Extra specs of flavors.'),
    ('os-flavor-manage', 'FlavorManage', 'Create and delete flavors.'),
    ('os-flavor-rxtx', 'FlavorRxtx', 'The rxtx factor of flavors.'),
    ('os-flavor-swap', 'FlavorSwap', 'The swap size of flavors.'),
    ('os-hide-server-addresses', 'HideServerAddresses', 'Addresses hidden in some '
     'states.'),
    ('os-hosts', 'Hosts', 'Hosts of the services (deprecated at 2.43).'),
    ('os-hypervisors', 'Hypervisors', 'Hypervisors and their usage.'),
    ('os-instance-actions', 'InstanceActions', 'Actions taken on servers.'),
    ('os-instance_usage_audit_log', 'OSInstanceUsageAuditLog', 'The instance usage '
     'audit of each host.'),
    ('os-keypairs', 'Keypairs', 'Key pairs.'),
    ('os-lock-server', 'LockServer', 'Lock and unlock servers.'),
    ('os-migrate-server', 'MigrateServer', 'Migrate servers.'),
    ('os-migrations', 'Migrations', 'Migrations of servers.'),
    ('os-multinic', 'Multinic', 'Fixed IPs of servers.'),
    ('os-multiple-create', 'MultipleCreate', 'Create several servers at once.'),
    ('os-networks', 'Networks', 'Networks (a proxy until 2.35).'),
    ('os-pause-server', 'PauseServer', 'Pause and unpause servers.'),
    ('os-personality', 'Personality', 'Files injected at boot (until 2.56).'),
    ('os-preserve-ephemeral-rebuild', 'PreserveEphemeralOnRebuild', 'Keep the '
     'ephemeral disk on rebuild.'),
    ('os-quota-class-sets', 'QuotaClasses', 'Quota classes.'),
    ('os-quota-sets', 'Quotas', 'Quotas of projects.'),
    ('os-rescue', 'Rescue', 'Rescue and unrescue servers.'),
    ('os-scheduler-hints', 'SchedulerHints', 'Hints to the scheduler at boot.'),
    ('os-security-groups', 'SecurityGroups', 'Security groups of servers.'),
    ('os-server-diagnostics', 'ServerDiagnostics', 'Diagnostics of servers.'),
    ('os-server-external-events', 'ServerExternalEvents', 'Events other services send.'),
    ('os-server-groups', 'ServerGroups', 'Server groups.'),
    ('os-server-password', 'ServerPassword', 'Encrypted server passwords.'),
    ('os-server-tags', 'ServerTags', 'Tags of servers.'),
    ('os-server-usage', 'ServerUsage', 'Launch and termination times of servers.'),
    ('os-services', 'Services', 'Services and their states.'),
    ('os-shelve', 'Shelve', 'Shelve and unshelve servers.'),
    ('os-simple-tenant-usage', 'SimpleTenantUsage', 'Usage of projects.'),
    ('os-suspend-server', 'SuspendServer', 'Suspend and resume servers.'),
    ('os-tenant-networks', 'OSTenantNetworks', "The project's networks (a proxy until "
     "2.35)."),
    ('os-used-limits', 'UsedLimits', 'Limits with what is used of them.'),
    ('os-user-data', 'UserData', 'User data at boot.'),
    ('os-virtual-interfaces', 'VirtualInterfaces', 'Virtual interfaces (until 2.43).'),
    ('os-volumes', 'Volumes', 'Volumes (a proxy until 2.35) and their attachments.'),
    ('servers', 'Servers', 'Servers.'),
    ('flavors', 'Flavors', 'Flavors.'),
    ('images', 'Images', 'Images (a proxy until 2.35).'),
    ('ips', 'Ips', 'Addresses of servers.'),
    ('limits', 'Limits', 'Limits.'),
    ('versions', 'Versions', 'API versions.'),
)


def _view(alias, name, description):
    return {'alias': alias, 'name': name, 'description': description,
            'namespace': _NAMESPACE, 'updated': _UPDATED, 'links': []}


def index(req):
    policy.authorize(req.context, extension_policies.LIST)
    req.check_query((), since='2.102')
    return api_request.json_response({'extensions': [_view(*e) for e in _EXTENSIONS]})


def show(req, alias):
    policy.authorize(req.context, extension_policies.LIST)
    for extension in _EXTENSIONS:
        if extension[0] == alias:
            return api_request.json_response({'extension': _view(*extension)})
    raise exception.NotFound(message='Extension %s could not be found.' % alias)
