"""Which availability zone each host and service is in: a compute host is in the zone
of its aggregates (or the default zone), every other service in the internal zone."""
from svc_common import compute_rpcapi
from svc_common.conf import CONF
from svc_common import objects
from svc_common.objects import aggregate as aggregate_obj


def is_compute(service) -> bool:
    return service.topic == compute_rpcapi.TOPIC


class Zones:
    """The zones of one moment (read once: for one request). Read with ``context``
    itself (no admin rights are needed to read aggregates' zones), so in the request's
    transaction when it has one open (db_api.read_together)."""

    def __init__(self, context):
        self._by_host = aggregate_obj.host_zones(context)
        self._default = CONF.default_availability_zone  # read once: a server list asks per server

    def of_host(self, host: str) -> str:
        return self._by_host.get(host, self._default)

    def of_service(self, service) -> str:
        if is_compute(service):
            return self.of_host(service.host)
        return CONF.internal_service_availability_zone


def available(context) -> set:
    """Zones with at least one enabled compute service: the zones a server may ask for."""
    zones = Zones(context)
    return {zones.of_host(s.host) for s in objects.ServiceList.get_all(
            context.elevated(), {'topic': compute_rpcapi.TOPIC}) if not s.disabled}
