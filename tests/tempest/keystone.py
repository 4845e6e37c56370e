"""A private Keystone for the Tempest tier: SQLite, fernet tokens, served by uwsgi.

Keystone lives in a virtualenv of its own (``tools/lib/setup.sh``: ``ensure_keystone``,
``$VENV/keystone``). ``Keystone.start()`` writes its config, runs ``keystone-manage``
(db_sync, fernet_setup, credential_setup, bootstrap) and starts ``uwsgi --http``.
"""
import configparser
import grp
import os
import pathlib
import pwd
import subprocess
import sys

import requests

from tests import ports
from tests.integration import deployment as deployment_mod

VENV = pathlib.Path(os.environ.get('NIMBUS_KEYSTONE_VENV',
                                   pathlib.Path(sys.executable).parent.parent / 'keystone'))
REGION = 'RegionOne'
ADMIN_PASSWORD = 'tempest-admin-secret'


def missing():
    """Why no Keystone can run here, or None."""
    for binary in ('keystone-manage', 'uwsgi'):
        if not (VENV / 'bin' / binary).exists():
            return '%s is not installed in %s (tools/run-tests.sh installs it)' % (
                binary, VENV)
    return None


class Keystone:
    """One Keystone: ``start()``, then ``token()``, ``add_service()``; ``stop()``."""

    def __init__(self, workdir):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = ports.free_port()
        self.url = 'http://127.0.0.1:%d/v3' % self.port
        self.config_path = self.workdir / 'keystone.conf'
        self.process = None

    def _write_config(self):
        work = self.workdir
        config = {
            'DEFAULT': {'use_stderr': 'true'},
            'database': {'connection': 'sqlite:///%s' % (work / 'keystone.sqlite')},
            'token': {'provider': 'fernet', 'expiration': '14400'},
            'fernet_tokens': {'key_repository': str(work / 'fernet-keys')},
            'fernet_receipts': {'key_repository': str(work / 'fernet-keys')},
            'credential': {'key_repository': str(work / 'credential-keys')},
            # Tempest makes a user per test class: cheap hashes keep that fast.
            'identity': {'password_hash_rounds': '4'},
            # One uwsgi process with one thread: an in-memory cache never serves stale
            # data, and SQLite never answers 'database is locked'. Without a cache each
            # token validation costs hundreds of queries (~1 s).
            'cache': {'enabled': 'true', 'backend': 'dogpile.cache.memory'},
        }
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_dict(config)
        with open(self.config_path, 'w') as out:
            parser.write(out)

    def _manage(self, *commands):
        """Run ``keystone-manage`` once per command, all at once (each spends seconds
        importing Keystone)."""
        procs = [(args[0], subprocess.Popen(
            [str(VENV / 'bin' / 'keystone-manage'), '--config-file', str(self.config_path),
             *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            stdin=subprocess.DEVNULL)) for args in commands]
        for name, proc in procs:
            output = proc.communicate(timeout=180)[0]
            if proc.returncode:
                raise RuntimeError('keystone-manage %s failed:\n%s' % (
                    name, output[-3000:]))

    def start(self):
        self._write_config()
        owner = ('--keystone-user', pwd.getpwuid(os.getuid()).pw_name,
                 '--keystone-group', grp.getgrgid(os.getgid()).gr_name)
        self._manage(('db_sync',), ('fernet_setup', *owner), ('credential_setup', *owner))
        self._manage(('bootstrap', '--bootstrap-password', ADMIN_PASSWORD,
                      '--bootstrap-admin-url', self.url, '--bootstrap-public-url', self.url,
                      '--bootstrap-internal-url', self.url,
                      '--bootstrap-region-id', REGION))
        argv = [str(VENV / 'bin' / 'uwsgi'), '--http', '127.0.0.1:%d' % self.port,
                '--module', 'keystone.wsgi.api:application', '--master',
                '--processes', '1', '--die-on-term',
                '--home', str(VENV), '--env', 'OS_KEYSTONE_CONFIG_FILES=%s' % (
                    self.config_path), '--buffer-size', '65535', '--disable-logging',
                # uwsgi's HTTP router closes every connection after one response: say
                # so, or clients that keep connections (keystoneauth) reuse a closed one.
                '--add-header', 'Connection: close']
        self.process = deployment_mod.Process('keystone', argv,
                                              self.workdir / 'keystone.log').start()

        def answers():
            self.process.check_running()
            try:
                return requests.get(self.url, timeout=2).status_code == 200
            except requests.RequestException:  # uwsgi accepts before the app loaded
                return False
        deployment_mod.wait_for(answers, 60, 'keystone to answer on %s' % self.url)
        return self

    def stop(self):
        if self.process is not None:
            self.process.stop()

    def token(self):
        """A project-scoped token of the bootstrap admin."""
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': 'admin', 'domain': {'id': 'default'},
                'password': ADMIN_PASSWORD}}},
            'scope': {'project': {'name': 'admin', 'domain': {'id': 'default'}}}}}
        resp = requests.post(self.url + '/auth/tokens', json=body, timeout=30)
        assert resp.status_code == 201, resp.text
        return resp.headers['X-Subject-Token']

    def add_service(self, service_type, name, url):
        """A catalog entry: the service and its endpoint of every interface."""
        headers = {'X-Auth-Token': self.token()}
        resp = requests.post(self.url + '/services', headers=headers, timeout=30,
                             json={'service': {'type': service_type, 'name': name}})
        assert resp.status_code == 201, resp.text
        service_id = resp.json()['service']['id']
        for interface in ('public', 'internal', 'admin'):
            resp = requests.post(self.url + '/endpoints', headers=headers, timeout=30,
                                 json={'endpoint': {'service_id': service_id, 'url': url,
                                                    'interface': interface,
                                                    'region_id': REGION}})
            assert resp.status_code == 201, resp.text

    def authtoken_options(self):
        """The [keystone_authtoken] section of a service validating tokens here."""
        return {'www_authenticate_uri': self.url, 'auth_url': self.url,
                'auth_type': 'password', 'username': 'admin',
                'password': ADMIN_PASSWORD, 'project_name': 'admin',
                'user_domain_id': 'default', 'project_domain_id': 'default',
                'region_name': REGION}
