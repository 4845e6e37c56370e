"""The zones of one moment: the hosts' zones and the default zone are read once."""
from api_svc import zones
from svc_common.objects import aggregate as aggregate_obj


def test_the_default_zone_is_read_once(monkeypatch):
    """A server list asks the zone of each server's host: the default zone, a config
    option (each read of one costs microseconds), is read when the zones are."""
    monkeypatch.setattr(aggregate_obj, 'host_zones', lambda context: {'h1': 'z1'})
    reads = []

    class Conf:
        @property
        def default_availability_zone(self):
            reads.append(1)
            return 'nova'
    monkeypatch.setattr(zones, 'CONF', Conf())
    found = zones.Zones(None)
    assert [found.of_host(h) for h in ('h1', 'h2', 'h3', 'h2')] == ['z1', 'nova', 'nova',
                                                                    'nova']
    assert len(reads) == 1
