"""The resource tracker sends its inventory only when it changed (and now and then
anyway, so a node row removed meanwhile comes back)."""
from unittest import mock

from compute_svc import resource_tracker
from compute_svc.virt import fake
from svc_common.conf import CONF
from svc_common import objects


def _tracker():
    driver = fake.FakeDriver()
    driver.init_host('h1')
    return resource_tracker.ResourceTracker('h1', driver)


def test_an_unchanged_inventory_is_not_sent_again(ctx):
    tracker = _tracker()
    with mock.patch.object(objects.ComputeNode, 'update_inventory',
                           autospec=True) as sent:
        tracker.update_available_resource(ctx)
        tracker.update_available_resource(ctx)
        tracker.update_available_resource(ctx)
        assert sent.call_count == 1
        CONF.set_override('vcpus', CONF.fake_driver.vcpus + 1, group='fake_driver')
        try:
            tracker.update_available_resource(ctx)
        finally:
            CONF.clear_override('vcpus', group='fake_driver')
        assert sent.call_count == 2
        assert sent.call_args.args[0].vcpus == CONF.fake_driver.vcpus + 1


def test_the_inventory_is_sent_anyway_every_few_periods(ctx):
    tracker = _tracker()
    node = tracker.update_available_resource(ctx)
    node.destroy()  # removed behind the tracker's back
    for _ in range(resource_tracker.FULL_REPORT_EVERY - 1):
        tracker.update_available_resource(ctx)
    assert not objects.ComputeNodeList.get_all(ctx)
    tracker.update_available_resource(ctx)
    assert [n.host for n in objects.ComputeNodeList.get_all(ctx)] == ['h1']
