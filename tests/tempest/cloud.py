"""The cloud Tempest tests: a private Keystone and a Nimbus deployment behind it.

Nimbus runs as the integration tier runs it (``tests/integration/deployment.py``: real
processes over RabbitMQ and PostgreSQL, fake hypervisors, two compute hosts for the
cold-migration tests), with ``[api] auth_strategy = keystone``. Keystone's catalog
names Nimbus as ``compute`` (``/v2.1``) and ``image`` (``/image``). The operator has made
one shared network (``nimbus-manage network create``, no bridge: the hypervisors are
fake), as a cloud without a network service has: Tempest's servers get their fixed
addresses on it, and it lists it through /os-networks.
"""
import contextlib
import dataclasses
import threading

from svc_common.conf import quota as quota_conf
from tests.integration import deployment as deployment_mod
from tests.tempest import keystone as keystone_mod

COMPUTE_HOSTS = ('cmp1', 'cmp2')
NETWORK = ('private', '10.20.0.0/16')  # room for every server Tempest makes
# The default quotas (the integration tier lifts them), so Tempest's over-quota tests run.
QUOTAS = {opt.dest: str(opt.default) for opt in quota_conf.opts}


@dataclasses.dataclass
class Cloud:
    keystone: keystone_mod.Keystone
    nimbus: deployment_mod.Deployment
    image_ref: str
    image_ref_alt: str


def _in_thread(function):
    """Run ``function`` in a thread; the returned callable joins it and re-raises."""
    outcome = {}

    def run():
        try:
            function()
        except BaseException as error:  # handed to the thread that joins
            outcome['error'] = error
    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join():
        thread.join()
        if 'error' in outcome:
            raise outcome['error']
    return join


@contextlib.contextmanager
def cloud(workdir, backend='postgresql'):
    keystone = keystone_mod.Keystone(workdir / 'keystone')
    # Keystone's set-up (~12 s) runs while the Nimbus services start.
    keystone_started = _in_thread(keystone.start)
    try:
        with deployment_mod.deployment(workdir / 'nimbus', backend, computes=COMPUTE_HOSTS,
                                       with_api=False) as nimbus:
            nimbus.manage('network', 'create', '--label', NETWORK[0], '--cidr', NETWORK[1])
            keystone_started()
            nimbus.start_api({'api': {'auth_strategy': 'keystone'}, 'quota': QUOTAS,
                              'keystone_authtoken': keystone.authtoken_options()})
            keystone.add_service('compute', 'nova', nimbus.api_url + '/v2.1')
            keystone.add_service('image', 'glance', nimbus.api_url + '/image')
            nimbus.token = keystone.token()
            nimbus.wait_for_computes(COMPUTE_HOSTS)
            yield Cloud(keystone, nimbus, nimbus.create_image('tempest-image'),
                        nimbus.create_image('tempest-image-alt'))
    finally:
        with contextlib.suppress(Exception):
            keystone_started()  # never leave a Keystone starting behind
        keystone.stop()
