"""Server bodies at each microversion: the fields Nova shows, no more, no fewer."""
import re

from api_svc import compute_api
from api_svc import network_api
from api_svc.policies import servers as server_policies
from api_svc import policy
from api_svc import security_groups
from api_svc import server_status
from api_svc.views import addresses as address_views
from api_svc.views import common
from api_svc import zones as zones_mod
from svc_common import compute_rpcapi
from svc_common.objects import instance_group as instance_group_obj
from svc_common.objects import request_spec as request_spec_obj
from svc_common.objects import service as service_obj
from svc_common import states


class ServerView:
    """Builds server bodies for one request (caching its policy checks and host
    states across the servers of a list)."""

    def __init__(self, req):
        self.req = req
        self.version = version = req.version
        context = req.context
        self.admin_attributes = policy.check(context, server_policies.EXTENDED_ATTRIBUTES)
        self.host_status_allowed = version.matches('2.16') and policy.check(
            context, server_policies.SHOW_HOST_STATUS)
        # What the microversion shows, decided once for every server of the request.
        self._versioned = [(key, value) for since, key, value in _VERSIONED
                           if version.matches(since)]
        self._admin_23 = self.admin_attributes and version.matches('2.3')
        self._with_image_properties = version.matches('2.98')
        self._with_flavor_body = version.matches('2.47')
        self._with_hints = version.matches('2.100')
        self._base_url = req.base_url
        self._host_states = {}
        self._zones = None
        self._hints = {}
        self._addresses = {}

    # -- public ----------------------------------------------------------------------
    def summary(self, instance):
        return {'id': instance.uuid, 'name': instance.display_name or '',
                'links': common.links_at(self._base_url, 'servers', instance.uuid)}

    def prefetch(self, instances):
        """Read what the bodies of ``instances`` need from other tables in one go."""
        self._addresses.update(network_api.addresses_of(self.req.context,
                                                        [i.uuid for i in instances]))
        if self.host_status_allowed:
            self._read_host_states({i.host for i in instances})
        if self._with_hints:
            self._hints.update(request_spec_obj.scheduler_hints(
                self.req.context, [i.uuid for i in instances]))

    def show(self, instance):
        """GET /servers/{id}."""
        body = self.detail(instance)
        if self.version.matches('2.71'):
            body['server_groups'] = self._server_groups(instance)
        return body

    def detail(self, instance):
        """An item of GET /servers/detail."""
        body = self._basic(instance)
        body.update(self._extended(instance))
        groups = security_groups.names(instance)
        if groups:
            body['security_groups'] = [{'name': name} for name in groups]
        if self._with_hints:
            body['scheduler_hints'] = self._scheduler_hints(instance)
        return body

    def updated(self, instance):
        """PUT /servers/{id}: a reduced body until 2.75 (addresses without their type
        and MAC, as Nova), then the full one."""
        if self.version.matches('2.75'):
            return self.show(instance)
        body = self._basic(instance, extended_addresses=False)
        if self.version.matches('2.71'):
            body['server_groups'] = self._server_groups(instance)
        return body

    def rebuilt(self, instance, admin_pass=None):
        """POST /servers/{id}/action (rebuild): the reduced body plus the key and user
        data until 2.75, then the full one with user_data under its own name."""
        if self.version.matches('2.75'):
            body = self.show(instance)
            body.pop('OS-EXT-SRV-ATTR:user_data', None)
        else:
            body = self.updated(instance)
            if self.version.matches('2.54'):
                body['key_name'] = instance.key_name
        if self.version.matches('2.57'):
            body['user_data'] = (instance.system_metadata or {}).get('user_data')
        if admin_pass is not None:
            body['adminPass'] = admin_pass
        return body

    # -- parts -----------------------------------------------------------------------
    def _addresses_of(self, instance, extended):
        """Hidden while the server builds, as Nova's default
        ``[api]/hide_server_address_states`` has them."""
        if states.value(instance.vm_state) == states.VmState.BUILDING.value:
            return {}
        if instance.uuid not in self._addresses:
            self._addresses.update(network_api.addresses_of(self.req.context,
                                                            [instance.uuid]))
        return address_views.grouped(self._addresses[instance.uuid], extended)

    def _basic(self, instance, extended_addresses=True):
        status = server_status.status_of(instance.vm_state, instance.task_state)
        body = {
            'id': instance.uuid,
            'name': instance.display_name or '',
            'status': status,
            'tenant_id': instance.project_id or '',
            'user_id': instance.user_id or '',
            'metadata': dict(instance.metadata or {}),
            'hostId': compute_api.host_id(instance.project_id, instance.host),
            'image': self._image(instance),
            'flavor': self._flavor(instance),
            'created': common.iso_z(instance.created_at),
            'updated': common.iso_z(instance.updated_at or instance.created_at),
            'addresses': self._addresses_of(instance, extended_addresses),
            'accessIPv4': instance.access_ip_v4 or '',
            'accessIPv6': instance.access_ip_v6 or '',
            'links': common.links_at(self._base_url, 'servers', instance.uuid),
            'OS-DCF:diskConfig': 'MANUAL',
        }
        if status in server_status.PROGRESS_STATUSES:
            body['progress'] = instance.progress or 0
        if status in server_status.FAULT_STATUSES:
            fault = self._fault(instance)
            if fault:
                body['fault'] = fault
        for key, value in self._versioned:
            body[key] = value(instance)
        return body

    def _extended(self, instance):
        body = {
            'key_name': instance.key_name,
            'OS-SRV-USG:launched_at': common.iso_micro(instance.launched_at),
            'OS-SRV-USG:terminated_at': common.iso_micro(instance.terminated_at),
            'OS-EXT-AZ:availability_zone': self.zone_of(instance),
            'OS-EXT-STS:vm_state': instance.vm_state,
            'OS-EXT-STS:task_state': instance.task_state,
            'OS-EXT-STS:power_state': instance.power_state,
            'os-extended-volumes:volumes_attached': [],
            'config_drive': instance.config_drive or '',
        }
        if self.admin_attributes:
            body.update({
                'OS-EXT-SRV-ATTR:host': instance.host,
                'OS-EXT-SRV-ATTR:hypervisor_hostname': instance.node,
                'OS-EXT-SRV-ATTR:instance_name': compute_api.instance_name(instance),
            })
            if self._admin_23:
                sysmeta = instance.system_metadata or {}
                body.update({
                    'OS-EXT-SRV-ATTR:reservation_id': instance.reservation_id,
                    'OS-EXT-SRV-ATTR:launch_index': instance.launch_index or 0,
                    'OS-EXT-SRV-ATTR:kernel_id': sysmeta.get('image_kernel_id') or '',
                    'OS-EXT-SRV-ATTR:ramdisk_id': sysmeta.get('image_ramdisk_id') or '',
                    'OS-EXT-SRV-ATTR:hostname': instance.hostname or '',
                    'OS-EXT-SRV-ATTR:root_device_name': None,
                    'OS-EXT-SRV-ATTR:user_data': sysmeta.get('user_data'),
                })
        if self.host_status_allowed:
            body['host_status'] = self._host_status(instance.host)
        return body

    def zone_of(self, instance):
        """The zone of the server's host; before it has one, the zone it asked for."""
        if not instance.host:
            return instance.availability_zone or ''
        if self._zones is None:
            self._zones = zones_mod.Zones(self.req.context)
        return self._zones.of_host(instance.host)

    def _image(self, instance):
        if not instance.image_ref:
            return ''
        image = {'id': instance.image_ref,
                 'links': common.bookmark_at(self._base_url, 'images', instance.image_ref)}
        if self._with_image_properties:
            image['properties'] = image_properties(instance)
        return image

    def _scheduler_hints(self, instance):
        """The hints the server was built with, each a list of strings as the request
        spec keeps them (what openstackclient reads)."""
        if instance.uuid not in self._hints:
            self.prefetch([instance])
        return {name: list(values)
                for name, values in (self._hints.get(instance.uuid) or {}).items()}

    def _flavor(self, instance):
        flavor = instance.flavor
        if not self._with_flavor_body:
            return {'id': flavor.flavorid,
                    'links': common.bookmark_at(self._base_url, 'flavors', flavor.flavorid)}
        return {'vcpus': flavor.vcpus, 'ram': flavor.memory_mb, 'disk': flavor.root_gb,
                'ephemeral': flavor.ephemeral_gb, 'swap': flavor.swap,
                'original_name': flavor.name, 'extra_specs': dict(flavor.extra_specs or {})}

    def _server_groups(self, instance):
        """[the uuid of the server group the server is in], or []."""
        group_uuid = instance_group_obj.group_uuid_of_instance(self.req.context,
                                                               instance.uuid)
        return [group_uuid] if group_uuid else []

    def _fault(self, instance):
        fault = instance.fault
        if fault is None:
            return None
        body = {'code': fault.code, 'created': common.iso_z(fault.created_at),
                'message': fault.message or ''}
        if fault.details and (self.req.context.is_admin or fault.code != 500):
            body['details'] = fault.details
        return body

    def _host_status(self, host):
        """UP, DOWN, MAINTENANCE (disabled), UNKNOWN, or '' without a host."""
        if not host:
            return ''
        if host not in self._host_states:
            self._read_host_states([host])
        return self._host_states[host]

    def _read_host_states(self, hosts):
        """The states of those of ``hosts`` not known yet, from one read of their
        compute services (not every service)."""
        wanted = sorted(h for h in hosts if h and h not in self._host_states)
        if not wanted:
            return
        services = service_obj.services_by_host(self.req.context, wanted,
                                                compute_rpcapi.TOPIC)
        for host in wanted:
            service = services.get(host)
            if service is None:
                state = 'UNKNOWN'
            elif service.disabled:
                state = 'MAINTENANCE'
            else:
                state = 'UP' if compute_api.service_is_up(service) else 'DOWN'
            self._host_states[host] = state


# Fields of server bodies from a microversion on: (since, key, value of a server), in
# the order bodies show them.
_VERSIONED = [
    ('2.9', 'locked', lambda instance: bool(instance.locked)),
    ('2.19', 'description', lambda instance: instance.display_description),
    ('2.26', 'tags', lambda instance: _tags(instance)),
    ('2.63', 'trusted_image_certificates', lambda instance: None),
    ('2.73', 'locked_reason', lambda instance: instance.locked_reason),
    ('2.96', 'pinned_availability_zone', lambda instance: instance.availability_zone),
]

_PROPERTY_KEY = re.compile(r'^[a-zA-Z0-9_:. ]{1,255}$')


def image_properties(instance):
    """The properties of the image the server was built (or rebuilt) from, as they were
    then (2.98); keys and values Nova's schema cannot show are left out."""
    prefix = compute_api.IMAGE_PREFIX
    properties = {key[len(prefix):]: value
                  for key, value in (instance.system_metadata or {}).items()
                  if key.startswith(prefix)}
    return {key: value for key, value in properties.items()
            if _PROPERTY_KEY.match(key) and (value is None or len(value) <= 255)}


def _tags(instance):
    raw = (instance.system_metadata or {}).get('tags')
    return raw.split(',') if raw else []
