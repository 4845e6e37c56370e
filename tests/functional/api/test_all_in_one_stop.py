"""Stopping an all-in-one while a step is in flight: the computes drain while the
conductor still answers their object calls, so the step ends and nothing waits for a
reply that no one will send."""
import threading

from svc_common import context as nimbus_context
from svc_common import objects
from tests.functional.api import helpers


def test_stop_lets_a_build_in_flight_finish_through_the_conductor(cloud, monkeypatch):
    image = helpers.create_image(cloud, project='admin', roles='admin', visibility='public')
    entered, release = threading.Event(), threading.Event()
    for host in ('host1', 'host2'):
        driver = cloud.aio.compute(host).driver
        real_spawn = driver.spawn

        def spawn(context, instance, image_meta, power_on=True, _real=real_spawn):
            entered.set()
            release.wait(30)
            return _real(context, instance, image_meta, power_on=power_on)
        monkeypatch.setattr(driver, 'spawn', spawn)
    server_id = helpers.boot(cloud, image['id'])['server']['id']
    assert entered.wait(10), 'the build never reached the driver'
    stopper = threading.Thread(target=cloud.aio.stop, daemon=True)
    stopper.start()
    stopper.join(0.5)
    release.set()  # the spawn returns; the step saves ACTIVE through the conductor
    stopper.join(30)
    assert not stopper.is_alive(), 'stop() still waiting on the build in flight'
    instance = objects.Instance.get_by_uuid(nimbus_context.get_admin_context(), server_id)
    assert (instance.vm_state, instance.task_state) == ('active', None)
