"""Compute API microversions: the one list, and how a request picks one.

Each line names what the version changed in the Compute API and, where Nimbus does
not have the feature, that the version is accepted for its response shapes only.
"""
import functools
import re
import typing

from svc_common import exception

SERVICE_TYPE = 'compute'

VERSIONS = [
    '2.1',   # the base v2.1 API
    '2.2',   # keypair type; keypair create answers 201, delete 204
    '2.3',   # admin-only extended server attributes (reservation_id, hostname, ...)
    '2.4',   # fixed IP 'reserved' field (no network API)
    '2.5',   # ip6 server list filter for everyone (filter ignored: no network)
    '2.6',   # remote consoles API (not provided)
    '2.7',   # flavor access check on add-tenant (not provided)
    '2.8',   # MKS consoles (not provided)
    '2.9',   # 'locked' in server bodies
    '2.10',  # keypairs of other users for admins (user_id)
    '2.11',  # services: forced_down field and force-down action
    '2.12',  # vif model in virtual interfaces (not provided)
    '2.13',  # server group project/user ids
    '2.14',  # evacuate without onSharedStorage (not provided)
    '2.15',  # soft (anti-)affinity server group policies
    '2.16',  # 'host_status' in server bodies (admin)
    '2.17',  # trigger crash dump action (not provided)
    '2.18',  # project id optional in the URL
    '2.19',  # server description
    '2.20',  # volume operations on shelved servers (not provided)
    '2.21',  # instance actions of deleted servers
    '2.22',  # force live migration completion (not provided)
    '2.23',  # migrations list: migration_type (links: live migrations only)
    '2.24',  # abort live migration (not provided)
    '2.25',  # live migration block_migration 'auto' (not provided)
    '2.26',  # server tags in server bodies
    '2.27',  # the OpenStack-API-Version header
    '2.28',  # hypervisor cpu_info is an object
    '2.29',  # evacuate 'force' (not provided)
    '2.30',  # live migrate 'force' (not provided)
    '2.31',  # console auth tokens fix (not provided)
    '2.32',  # device tags on boot (not provided)
    '2.33',  # hypervisors list paging
    '2.34',  # asynchronous live migration checks (not provided)
    '2.35',  # keypairs paging (limit, marker, next links)
    '2.36',  # proxy APIs (images, networks) removed; network quotas/limits dropped
    '2.37',  # server create networks 'auto'/'none'
    '2.38',  # unknown status filter is a 400
    '2.39',  # maxImageMeta dropped from limits
    '2.40',  # simple tenant usage paging (limit, marker, next links)
    '2.41',  # aggregate uuid (not provided)
    '2.42',  # device tags restored (not provided)
    '2.43',  # os-hosts removed (not provided)
    '2.44',  # fixed ip / virtual interface actions removed (not provided)
    '2.45',  # createImage returns a body (not provided)
    '2.46',  # caller's request id passed through
    '2.47',  # embedded flavor in server bodies
    '2.48',  # standard server diagnostics (not provided)
    '2.49',  # tagged volume attach (not provided)
    '2.50',  # quota classes server groups (not provided)
    '2.51',  # instance action events for non-admins (no traceback)
    '2.52',  # tags at server create
    '2.53',  # services and hypervisors identified by uuid
    '2.54',  # key pair on rebuild
    '2.55',  # flavor description
    '2.56',  # cold migrate to a named host
    '2.57',  # personality and injected file quotas/limits dropped; user_data on rebuild
    '2.58',  # instance actions: updated_at, paging, changes-since
    '2.59',  # migrations: uuid, paging, changes-since
    '2.60',  # multiattach volumes (not provided)
    '2.61',  # flavor extra_specs in flavor bodies
    '2.62',  # instance action event host and hostId
    '2.63',  # trusted_image_certificates in server bodies
    '2.64',  # server group policy/rules (max_server_per_host)
    '2.65',  # abort queued live migrations (not provided)
    '2.66',  # changes-before filters
    '2.67',  # volume_type in block device mappings (not provided)
    '2.68',  # evacuate/live migrate 'force' removed (not provided)
    '2.69',  # partial results of down cells (never: one cell)
    '2.70',  # device tags of interfaces and volumes (not provided)
    '2.71',  # server_groups in server show and update
    '2.72',  # ports with resource requests (not provided)
    '2.73',  # locked_reason in server bodies
    '2.74',  # host/hypervisor_hostname at server create
    '2.75',  # update/rebuild answer with the full server; strict list query
    '2.76',  # power-update external event (not provided)
    '2.77',  # availability zone on unshelve (not provided)
    '2.78',  # server topology (not provided)
    '2.79',  # delete_on_termination of volume attachments (not provided)
    '2.80',  # migrations filtered by user and project
    '2.81',  # image precaching in aggregates (not provided)
    '2.82',  # accelerator events (not provided)
    '2.83',  # more server list filters for non-admins
    '2.84',  # instance action event details
    '2.85',  # update volume attachment delete flag (not provided)
    '2.86',  # flavor extra spec validation
    '2.87',  # rescue of volume-backed servers (not provided)
    '2.88',  # hypervisor usage fields, statistics and uptime removed
    '2.89',  # volume attachment ids in server bodies (not provided)
    '2.90',  # hostname settable at create/update/rebuild
    '2.91',  # unshelve to a host (not provided)
    '2.92',  # keypair generation removed; '@' and '.' allowed in keypair names
    '2.93',  # rebuild of volume-backed servers (not provided)
    '2.94',  # FQDN hostnames
    '2.95',  # evacuate to stopped (not provided)
    '2.96',  # pinned_availability_zone in server bodies
    '2.97',  # server shares (no shared file system service: none attached, attach 404)
    '2.98',  # image properties in the image of server bodies
    '2.99',  # spice-direct console type, tls_port of console tokens (no consoles: 400)
    '2.100',  # scheduler_hints in server bodies
    '2.101',  # asynchronous volume attach, 202 (no block storage: the volume is 404)
    '2.102',  # flavors: name filter, no rxtx_factor/disabled; unknown query params 400
    '2.103',  # (no request or response change found in the Nova documents at hand)
    '2.104',  # pinned_availability_zone set on update: unpin, or pin to the current zone
]


class APIVersion(typing.NamedTuple):
    major: int
    minor: int

    def __str__(self):
        return '%d.%d' % (self.major, self.minor)

    def matches(self, min_version, max_version=None):
        """True when min_version <= self <= max_version (strings like '2.19')."""
        if self < _bound(min_version):
            return False
        return max_version is None or self <= _bound(max_version)


# At most 9 digits a part: int() refuses very long digit strings.
_VERSION_RE = re.compile(r'^([1-9]\d{0,8})\.([1-9]\d{0,8}|0)$')


def parse(text):
    match = _VERSION_RE.match(text.strip())
    if not match:
        raise exception.InvalidMicroversion(
            message='API Version String %s is of invalid format. Must be of format '
                    'MajorNum.MinorNum.' % text)
    return APIVersion(int(match.group(1)), int(match.group(2)))


@functools.lru_cache(maxsize=512)
def _bound(text):
    """parse() of a bound the code compares with ('2.19'): the same few strings at every
    request (ten a server in a server list), so each is parsed once. Versions clients
    send go through parse() itself, not this cache."""
    return parse(text)


MIN_VERSION = parse(VERSIONS[0])
MAX_VERSION = parse(VERSIONS[-1])


def from_headers(headers):
    """The version a request asks for: the OpenStack-API-Version header naming
    'compute', else X-OpenStack-Nova-API-Version, else the minimum."""
    requested = None
    generic = headers.get('OpenStack-API-Version')
    if generic:
        for item in generic.split(','):
            parts = item.strip().split(None, 1)
            if len(parts) == 2 and parts[0].lower() == SERVICE_TYPE:
                requested = parts[1]
                break
    if requested is None:
        requested = headers.get('X-OpenStack-Nova-API-Version')
    if requested is None:
        return MIN_VERSION
    if requested.strip().lower() == 'latest':
        return MAX_VERSION
    version = parse(requested)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise exception.UnsupportedMicroversion(version=requested.strip(), min=MIN_VERSION,
                                                max=MAX_VERSION)
    return version


def response_headers(version):
    return [('OpenStack-API-Version', '%s %s' % (SERVICE_TYPE, version)),
            ('X-OpenStack-Nova-API-Version', str(version)),
            ('Vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version')]
