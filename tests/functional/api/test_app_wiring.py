"""How the app is assembled: keystone mode, uwsgi entry point, the nimbus-api process."""
import pathlib
import signal
import subprocess
import sys
import urllib.request

import webob

from api_svc import wsgi
from svc_common.conf import CONF
from svc_common import service
from tests import ports
from tests.functional.conftest import poll


def test_keystone_mode_guards_all_but_discovery(cloud):
    from keystonemiddleware import opts as ksm_opts
    for group, opts in ksm_opts.list_auth_token_opts():
        CONF.register_opts(opts, group=group)
    CONF.set_override('auth_strategy', 'keystone', group='api')
    CONF.set_override('www_authenticate_uri', 'http://keystone.invalid/identity',
                      group='keystone_authtoken')
    try:
        app = wsgi.build_app()
    finally:
        CONF.clear_override('auth_strategy', group='api')
    resp = webob.Request.blank('/v2.1/').get_response(app)
    assert resp.status_int == 200
    assert resp.headers['x-openstack-request-id'].startswith('req-')
    resp = webob.Request.blank('/v2.1/servers').get_response(app)
    assert resp.status_int == 401
    assert resp.headers['x-openstack-request-id'].startswith('req-')
    # headers a client sends cannot stand in for a token
    req = webob.Request.blank('/v2.1/servers', headers={
        'X-User-Id': 'u', 'X-Project-Id': 'p', 'X-Roles': 'admin',
        'X-Identity-Status': 'Confirmed'})
    assert req.get_response(app).status_int == 401


def test_config_arguments_for_uwsgi(monkeypatch):
    assert wsgi._config_args(['--config-file', 'a.conf', '-x', '--config-dir=d']) == [
        '--config-file', 'a.conf', '--config-dir=d']
    monkeypatch.setenv('NIMBUS_CONFIG_FILE', 'a.conf, b.conf')
    assert wsgi._config_args([]) == ['--config-file', 'a.conf', '--config-file', 'b.conf']



def test_nimbus_api_process_serves_reads_its_config_on_sighup_and_stops_on_sigterm(
        tmp_path):
    import migrations
    url = 'sqlite:///%s/api.sqlite' % tmp_path
    migrations.upgrade(url)
    port = ports.free_port()
    config = tmp_path / 'nimbus.conf'
    text = ('[DEFAULT]\ntransport_url = fake://\nstate_path = %s\n'
            '[api]\nauth_strategy = noauth\nport = %d\n'
            '[database]\nconnection = %s\n' % (tmp_path, port, url))
    config.write_text(text)
    binary = pathlib.Path(sys.executable).parent / 'nimbus-api'
    log = tmp_path / 'api.log'
    with open(log, 'wb') as out:
        proc = subprocess.Popen([str(binary), '--config-file', str(config)],
                                stdout=out, stderr=subprocess.STDOUT)
    request = urllib.request.Request('http://127.0.0.1:%d/v2.1/flavors' % port,
                                     headers={'X-Auth-Token': 'notused'})  # no identity

    def serves():
        try:
            with urllib.request.urlopen(request, timeout=2) as resp:
                assert resp.status == 200
                assert resp.headers['x-compute-request-id'].startswith('req-')
            return True
        except OSError:
            return False
    try:
        _while_running(proc, log, serves, 'start')
        # SIGHUP (systemctl reload): the mutable options read again, the process serves
        # on (the default action of SIGHUP would have ended it).
        config.write_text(text.replace('[DEFAULT]\n', '[DEFAULT]\ndebug = true\n'))
        proc.send_signal(signal.SIGHUP)
        _while_running(proc, log, lambda: service.RELOADED in log.read_text(),
                       'read its config again')
        assert 'Option DEFAULT.debug changed' in log.read_text()
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _while_running(proc, log, check, what, timeout=30):
    """Until ``check()`` is true, as long as the process runs (its log otherwise)."""
    def running_and(check):
        assert proc.poll() is None, log.read_text()
        return check()
    poll(lambda: running_and(check), timeout, 0.1, 'nimbus-api to %s' % what)
