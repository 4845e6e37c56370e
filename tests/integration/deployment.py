"""Real Nimbus deployments for the integration tier.

Everything here is real: a scratch database created on PostgreSQL or MariaDB (or a SQLite
file) and dropped afterwards, a scratch RabbitMQ vhost, a config file per service, and
``nimbus-api``, ``nimbus-conductor`` and ``nimbus-compute`` started as separate OS
processes from this virtualenv, logging to files, stopped with SIGTERM (SIGKILL after a
timeout). Tests talk to the API over HTTP like any client does.
"""
import configparser
import contextlib
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import requests
import sqlalchemy as sa

from svc_common import service
from tests import ports

BIN = pathlib.Path(sys.executable).parent
# (title, text) sections tests leave for the end of the run (conftest prints them in the
# terminal summary, so they show in CI logs with or without -s).
REPORTS = []
ADMIN_TOKEN = 'admin:admin:admin,member'  # no-auth mode: user:project:roles
MICROVERSION = '2.96'



def scratch_name(prefix='nimbus_it'):
    return '%s_%s' % (prefix, uuid.uuid4().hex[:10])


def wait_for(predicate, timeout, what, interval=0.2):
    """Poll ``predicate`` until it returns something truthy; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError('timed out after %ss waiting for %s' % (timeout, what))
        time.sleep(interval)


# -- databases --------------------------------------------------------------------------

class ScratchDatabase:
    """An empty database of one backend, created now and dropped by ``drop()``."""

    BACKENDS = ('sqlite', 'postgresql', 'mysql')

    DEFAULT_PORTS = {'postgresql': 5432, 'mysql': 3306}

    def __init__(self, backend, tmp_dir, port=None):
        """``port``: a server of that backend other than the machine's shared one (a
        ``PrivatePostgreSQL`` for tests that stop their database)."""
        self.backend = backend
        self.name = scratch_name()
        self.port = port or self.DEFAULT_PORTS.get(backend)
        if backend == 'sqlite':
            self.url = 'sqlite:///%s' % (pathlib.Path(tmp_dir) / ('%s.sqlite' % self.name))
        elif backend == 'postgresql':
            self._admin('CREATE DATABASE %s' % self.name)
            self.url = 'postgresql+psycopg2://postgres@127.0.0.1:%d/%s' % (self.port,
                                                                           self.name)
        elif backend == 'mysql':
            self._admin('CREATE DATABASE %s CHARACTER SET utf8mb4' % self.name)
            self.url = 'mysql+pymysql://root@127.0.0.1:%d/%s?charset=utf8mb4' % (
                self.port, self.name)
        else:
            raise ValueError(backend)
        self._engine = None

    def _admin(self, statement):
        if self.backend == 'postgresql':
            import psycopg2
            conn = psycopg2.connect(host='127.0.0.1', port=self.port, user='postgres',
                                    dbname='postgres')
            conn.autocommit = True
        else:
            import pymysql
            conn = pymysql.connect(host='127.0.0.1', port=self.port, user='root',
                                   autocommit=True)
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement)
        finally:
            conn.close()

    @property
    def engine(self):
        if self._engine is None:
            self._engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        return self._engine

    def query(self, sql, **params):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()

    def drop(self):
        if self._engine is not None:
            self._engine.dispose()
        if self.backend == 'postgresql':
            self._admin('DROP DATABASE IF EXISTS %s WITH (FORCE)' % self.name)
        elif self.backend == 'mysql':
            self._admin('DROP DATABASE IF EXISTS %s' % self.name)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.url[len('sqlite:///'):])


# -- RabbitMQ ---------------------------------------------------------------------------

class ScratchVhost:
    """A RabbitMQ vhost of its own, so no two deployments see each other's queues."""

    def __init__(self):
        self.name = scratch_name()
        self._ctl('add_vhost', self.name)
        self._ctl('set_permissions', '-p', self.name, 'guest', '.*', '.*', '.*')
        self.transport_url = 'rabbit://guest:guest@127.0.0.1:5672/%s' % self.name

    @staticmethod
    def _ctl(*args):
        subprocess.run(['rabbitmqctl', '-q', *args], check=True, capture_output=True,
                       timeout=60, stdin=subprocess.DEVNULL)

    def delete(self):
        self._ctl('delete_vhost', self.name)


# -- private servers, for tests that stop them ------------------------------------------

def _as_postgres(argv):
    """``argv`` run as the postgres user (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        return ['runuser', '-u', 'postgres', '--', *argv]
    return argv


def _pg_bindir():
    found = shutil.which('pg_config')
    if found:
        bindir = subprocess.run([found, '--bindir'], capture_output=True, text=True,
                                check=True).stdout.strip()
        if (pathlib.Path(bindir) / 'initdb').exists():
            return pathlib.Path(bindir)
    for candidate in sorted(pathlib.Path('/usr/lib/postgresql').glob('*/bin'), reverse=True):
        if (candidate / 'initdb').exists():
            return candidate
    return pathlib.Path(shutil.which('initdb')).parent


def _port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(('127.0.0.1', port)) == 0


class PrivatePostgreSQL:
    """A PostgreSQL cluster of its own (own port, own data directory), so that a test
    can stop and restart its database while the machine's shared one stays up."""

    def __init__(self):
        # Not under pytest's tmp_path: its directories are private to this user, and the
        # server runs as postgres.
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix='nimbus-it-pg-'))
        self.data = self.dir / 'data'
        self.port = ports.free_port()
        self.bindir = _pg_bindir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, 'postgres')
        self._run('initdb', '-D', str(self.data), '-A', 'trust', '-U', 'postgres',
                  '-E', 'UTF8', '--no-sync')

    def _run(self, tool, *args, timeout=60):
        result = subprocess.run(_as_postgres([str(self.bindir / tool), *args]),
                                capture_output=True, text=True, timeout=timeout,
                                stdin=subprocess.DEVNULL)
        if result.returncode:
            raise RuntimeError('%s %s failed:\n%s%s' % (tool, ' '.join(args), result.stdout,
                                                         result.stderr))
        return result.stdout

    def start(self):
        options = ('-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off '
                   '-c max_connections=300' % (self.port, self.dir))
        self._run('pg_ctl', '-D', str(self.data), '-l', str(self.dir / 'postgresql.log'),
                  '-w', '-o', options, 'start')
        return self

    def stop(self, mode='fast'):
        """``fast`` ends every session then shuts down cleanly; ``immediate`` is a crash."""
        self._run('pg_ctl', '-D', str(self.data), '-m', mode, '-w', 'stop')

    @property
    def running(self):
        return (self.data / 'postmaster.pid').exists()

    def cleanup(self):
        if self.running:
            with contextlib.suppress(Exception):
                self.stop('immediate')
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRabbitMQ:
    """A RabbitMQ node of its own (own node name, ports, data, cookie), so that a test
    can stop and restart its broker while the machine's shared one stays up."""

    SBIN = pathlib.Path('/usr/lib/rabbitmq/bin')

    def __init__(self, base_dir):
        self.dir = pathlib.Path(base_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = ports.free_port()
        self.dist_port = ports.free_port()
        self.node = 'nimbus-it-%s@localhost' % uuid.uuid4().hex[:8]
        self.transport_url = 'rabbit://guest:guest@127.0.0.1:%d/' % self.port
        cookie = self.dir / '.erlang.cookie'
        cookie.write_text(uuid.uuid4().hex)
        cookie.chmod(0o400)
        (self.dir / 'rabbitmq.conf').write_text(
            'listeners.tcp.default = 127.0.0.1:%d\n' % self.port)
        (self.dir / 'enabled_plugins').write_text('[].\n')
        (self.dir / 'rabbitmq-env.conf').write_text('')  # not the system's
        self.proc = None

    def _tool(self, name):
        path = self.SBIN / name
        return str(path) if path.exists() else shutil.which(name)

    def _env(self):
        return dict(os.environ, HOME=str(self.dir),
                    RABBITMQ_CONF_ENV_FILE=str(self.dir / 'rabbitmq-env.conf'),
                    RABBITMQ_NODENAME=self.node,
                    RABBITMQ_NODE_PORT=str(self.port),
                    RABBITMQ_DIST_PORT=str(self.dist_port),
                    RABBITMQ_MNESIA_BASE=str(self.dir / 'mnesia'),
                    RABBITMQ_LOG_BASE=str(self.dir / 'log'),
                    RABBITMQ_CONFIG_FILE=str(self.dir / 'rabbitmq.conf'),
                    RABBITMQ_ENABLED_PLUGINS_FILE=str(self.dir / 'enabled_plugins'),
                    ERL_EPMD_ADDRESS='127.0.0.1')

    def start(self, timeout=90):
        with open(self.dir / 'server.out', 'ab') as out:
            self.proc = subprocess.Popen([self._tool('rabbitmq-server')], env=self._env(),
                                         stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError('rabbitmq-server exited with %s:\n%s' % (
                    self.proc.returncode, (self.dir / 'server.out').read_text()[-3000:]))
            return _port_open(self.port)
        wait_for(ready, timeout, 'RabbitMQ node %s to listen on %d' % (self.node, self.port))
        return self

    def stop(self, timeout=60):
        """Stop the node (its non-durable queues and their messages are gone)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        subprocess.run([self._tool('rabbitmqctl'), '-n', self.node, 'stop'],
                       env=self._env(), capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def cleanup(self):
        with contextlib.suppress(Exception):
            self.stop()
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


# -- processes --------------------------------------------------------------------------

class Process:
    """One service process; its output goes to ``log_path``."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.argv = argv
        self.log_path = pathlib.Path(log_path)
        self.popen = None
        self.log_offset = 0  # where this run's output starts in the (appended) log

    def start(self):
        self.log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, 'ab')
        try:
            self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()
        return self

    @property
    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def log_text(self, this_run=False):
        """The whole log, or with ``this_run`` only what the current run wrote."""
        try:
            with open(self.log_path, 'rb') as log:
                if this_run:
                    log.seek(self.log_offset)
                return log.read().decode(errors='replace')
        except FileNotFoundError:
            return ''

    def tail(self, lines=40, this_run=False):
        """The log's (or with ``this_run`` the current run's) last ``lines`` lines
        above DEBUG (tracebacks included)."""
        kept = [line for line in self.log_text(this_run).splitlines()
                if ' DEBUG ' not in line]
        return '\n'.join(kept[-lines:])

    def check_running(self):
        """Raise if the process exited or logged a fatal error."""
        if not self.alive:
            raise RuntimeError('%s exited with %s:\n%s' % (
                self.name, self.popen.returncode, self.tail()))
        if ' CRITICAL ' in self.log_text(this_run=True):
            raise RuntimeError('%s failed:\n%s' % (self.name, self.tail()))

    def wait_for_log(self, pattern, timeout=60, times=1, interval=0.2):
        """Wait until the current run logged ``pattern`` (``times`` times or more; a
        service's start: a minute, for a host busy with real guests and another test
        tier). A timeout names the run's last lines above DEBUG, where it stood."""
        regex = re.compile(pattern)

        def seen():
            if len(regex.findall(self.log_text(this_run=True))) >= times:
                return True
            self.check_running()
            return False
        try:
            return wait_for(seen, timeout, '%s to log %r' % (self.name, pattern),
                            interval=interval)
        except TimeoutError as error:
            last = self.tail(3, this_run=True).replace('\n', ' | ')
            raise TimeoutError('%s; its last lines: %s' % (error, last)) from None

    def hangup(self, timeout=60):
        """SIGHUP, and wait until the process has read its configuration files again
        (``service.reload_config`` logged it once more in this run)."""
        reloaded = re.escape(service.RELOADED)
        before = len(re.findall(reloaded, self.log_text(this_run=True)))
        self.popen.send_signal(signal.SIGHUP)
        self.wait_for_log(reloaded, timeout, times=before + 1, interval=0.05)

    def wait_exit(self, timeout):
        """Wait for the process to end by itself; its exit code."""
        return self.popen.wait(timeout)

    def kill(self):
        """SIGKILL: the process ends at once, as in a power cut."""
        if self.alive:
            self.popen.kill()
        if self.popen is not None:
            self.popen.wait(10)

    def terminate(self):
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)

    def stop(self, timeout=30):
        """SIGTERM (graceful), then SIGKILL if it has not exited after ``timeout``."""
        stop_all([self], timeout)
        return self.popen.returncode if self.popen else None


def stop_all(processes, timeout=30):
    """Stop ``processes`` together: SIGTERM to each, then SIGKILL what is left after
    ``timeout`` seconds."""
    for proc in processes:
        proc.terminate()
    deadline = time.monotonic() + timeout
    for proc in processes:
        if proc.popen is None:
            continue
        try:
            proc.popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.popen.kill()
            proc.popen.wait(10)


# -- a deployment -----------------------------------------------------------------------

class Deployment:
    """An API, conductors and computes over one database and one vhost.

    ``compute_has_db=False`` (the default) gives the computes a database URL that cannot
    work, so a compute that touched the database directly would fail.
    """

    NO_DATABASE = 'sqlite:////nonexistent/compute-must-not-open-a-database.sqlite'

    def __init__(self, workdir, database, transport_url, compute_overrides=None,
                 common_overrides=None, fake_disks=False, compute_hosts=(),
                 compute_driver='fake'):
        """``compute_driver``: 'fake' or 'libvirt' (real guests on this machine's
        libvirtd; the [libvirt] connection options come with ``compute_overrides``).
        With 'libvirt', or with ``fake_disks`` (the fake hypervisors keep real disks),
        each compute (of ``compute_hosts``, and any started later) keeps its disks in
        its own instances path, copied between them by the local transport."""
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.database = database
        self.transport_url = transport_url
        self.compute_overrides = compute_overrides or {}
        self.common_overrides = common_overrides or {}  # every service's config
        self.fake_disks = fake_disks
        self.compute_driver = compute_driver
        self.compute_hosts = list(compute_hosts)
        self.api_port = ports.free_port()
        self.token = ADMIN_TOKEN  # its requests' token (a Keystone one with keystone auth)
        self.processes = {}
        self._started_with = {}  # name -> (start method, its overrides): for restart()
        self._written = {}  # name -> the overrides its config file was last written with

    @property
    def api_url(self):
        return 'http://127.0.0.1:%d' % self.api_port

    # config files
    def _common_config(self, name):
        state = self.workdir / name
        state.mkdir(exist_ok=True)
        config = {
            'DEFAULT': {'transport_url': self.transport_url, 'state_path': str(state),
                        'report_interval': '1', 'service_down_time': '6'},
            'database': {'connection': self.database.url},
            'image': {'api_endpoint': '%s/image' % self.api_url},
        }
        return _merge(config, self.common_overrides)

    def write_config(self, name, overrides=None):
        config = self._common_config(name)
        for section, values in (overrides or {}).items():
            config.setdefault(section, {}).update(values)
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        parser.read_dict(config)
        path = self.workdir / ('%s.conf' % name)
        with open(path, 'w') as out:
            parser.write(out)
        return path

    def config_of(self, name):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self.workdir / ('%s.conf' % name))
        return parser

    # commands and processes
    def manage(self, *args):
        config = self.write_config('manage')
        result = subprocess.run([str(BIN / 'nimbus-manage'), '--config-file', str(config),
                                 *args], capture_output=True, text=True, timeout=120,
                                stdin=subprocess.DEVNULL)
        if result.returncode:
            raise RuntimeError('nimbus-manage %s failed:\n%s%s' % (
                ' '.join(args), result.stdout, result.stderr))
        return result.stdout

    def _start(self, name, binary, overrides):
        self._written[name] = _merge({'DEFAULT': {'debug': 'true'}}, overrides)
        config = self.write_config(name, self._written[name])
        proc = Process(name, [str(BIN / binary), '--config-file', str(config)],
                       self.workdir / ('%s.log' % name))
        self.processes[name] = proc.start()
        return proc

    def start_conductor(self, name='conductor', overrides=None, wait=True):
        self._started_with[name] = (self.start_conductor, overrides)
        proc = self._start(name, 'nimbus-conductor',
                           _merge({'DEFAULT': {'host': name}}, overrides))
        if wait:
            proc.wait_for_log(r'nimbus-conductor started on')
        return proc

    def start_compute(self, host, overrides=None, wait=True):
        self._started_with[host] = (self.start_compute, overrides)
        if host not in self.compute_hosts:
            self.compute_hosts.append(host)
        base = {'DEFAULT': {'host': host},
                'database': {'connection': self.NO_DATABASE},
                'compute': {'compute_driver': self.compute_driver,
                            'instances_path': str(self.instances_path(host)),
                            'resource_update_interval': '2'}}
        if self.compute_driver == 'fake':
            base['fake_driver'] = {'state_file': str(self.fake_state_file(host))}
            if self.fake_disks:
                base['fake_driver']['disks'] = 'true'
        if self.fake_disks or self.compute_driver != 'fake':
            base['libvirt'] = {
                'remote_filesystem_transport': 'local',
                'instances_paths_by_host': ','.join(
                    '%s:%s' % (h, self.instances_path(h)) for h in self.compute_hosts)}
        proc = self._start(host, 'nimbus-compute',
                           _merge(_merge(base, self.compute_overrides), overrides))
        if wait:
            proc.wait_for_log(r'nimbus-compute started on %s\b' % re.escape(host))
        return proc

    def instances_path(self, host):
        return self.workdir / host / 'instances'

    def fake_state_file(self, host):
        return self.workdir / host / 'fake-guests.json'

    def fake_guests(self, host):
        """What the fake hypervisor of ``host`` holds: {'guests': {uuid: guest},
        'resize_sources': {uuid: guest}} (empty before its first guest)."""
        try:
            return json.loads(self.fake_state_file(host).read_text())
        except FileNotFoundError:
            return {'guests': {}, 'resize_sources': {}}

    def restart(self, name, overrides=None, graceful=True, wait=True):
        """Start service ``name`` again (stopping it first if it still runs: SIGTERM,
        or SIGKILL without ``graceful``) with the overrides it first started with plus
        ``overrides``, e.g. ``{'DEFAULT': {'fault_points': 'build.after_spawn'}}``."""
        proc = self.processes[name]
        if proc.alive:
            if graceful:
                proc.stop()
            else:
                proc.kill()
        entry = start, first_overrides = self._started_with[name]
        merged = _merge(first_overrides or {}, overrides)
        try:
            if start == self.start_api:
                return start(merged)
            return start(name, merged, wait=wait)
        finally:
            self._started_with[name] = entry  # a later restart starts from the first

    def reload(self, name, overrides):
        """Rewrite service ``name``'s config file with ``overrides`` on top of what it
        runs with and send it SIGHUP; returns once it has read the file again: its
        options marked mutable (``[DEFAULT]/fault_points``) then hold the new values.
        Its next restart starts from the overrides it first started with."""
        self.write_config(name, _merge(self._written[name], overrides))
        self.processes[name].hangup()

    def start_api(self, overrides=None):
        self._started_with['api'] = (self.start_api, overrides)
        base = {'api': {'listen': '127.0.0.1', 'port': str(self.api_port),
                        'auth_strategy': 'noauth'},
                'quota': {'instances': '-1', 'cores': '-1', 'ram': '-1'}}
        proc = self._start('api', 'nimbus-api', _merge(base, overrides))

        def answers():
            proc.check_running()
            try:
                return requests.get(self.api_url + '/v2.1', timeout=2).status_code == 200
            except requests.ConnectionError:
                return False
        wait_for(answers, 30, 'nimbus-api to answer on %s' % self.api_url)
        return proc

    def stop(self):
        # Computes first: their in-flight work may still need a conductor.
        computes = [p for p in self.processes.values() if p.argv[0].endswith('-compute')]
        stop_all(computes)
        stop_all([p for p in self.processes.values() if p not in computes])

    def log_tails(self, lines=40):
        return '\n\n'.join('--- %s (%s) ---\n%s' % (p.name, p.log_path, p.tail(lines))
                           for p in self.processes.values())

    # the REST API
    def request(self, method, path, body=None, token=None, version=MICROVERSION,
                expect=None, timeout=30):
        headers = {'X-Auth-Token': token or self.token, 'Accept': 'application/json'}
        if version:
            headers['OpenStack-API-Version'] = 'compute %s' % version
        resp = requests.request(method, self.api_url + path, json=body, headers=headers,
                                timeout=timeout)
        if expect is not None and resp.status_code != expect:
            raise AssertionError('%s %s answered %s, expected %s: %s' % (
                method, path, resp.status_code, expect, resp.text[:2000]))
        return resp

    def services(self):
        return self.request('GET', '/v2.1/os-services', expect=200).json()['services']

    def wait_for_computes(self, hosts, timeout=30, state='up'):
        def all_in_state():
            found = {s['host'] for s in self.services()
                     if s['binary'].endswith('-compute') and s['state'] == state}
            return set(hosts) <= found
        wait_for(all_in_state, timeout, 'computes %s to be %s in os-services' % (
            sorted(hosts), state))

    def create_image(self, name='cirros-fake', data=b'\0' * 1024):
        image = requests.post(self.api_url + '/image/v2/images', timeout=30,
                              headers={'X-Auth-Token': self.token},
                              json={'name': name, 'disk_format': 'raw',
                                    'container_format': 'bare', 'visibility': 'public'})
        assert image.status_code == 201, image.text
        image_id = image.json()['id']
        upload = requests.put(self.api_url + '/image/v2/images/%s/file' % image_id,
                              data=data, timeout=30,
                              headers={'X-Auth-Token': self.token,
                                       'Content-Type': 'application/octet-stream'})
        assert upload.status_code == 204, upload.text
        return image_id

    def boot(self, name, image_id, flavor='1', count=1, **extra):
        server = {'name': name, 'imageRef': image_id, 'flavorRef': flavor,
                  'networks': 'none', 'min_count': count, 'max_count': count, **extra}
        return self.request('POST', '/v2.1/servers', {'server': server}, expect=202).json()

    def servers(self, prefix=''):
        found = self.request('GET', '/v2.1/servers/detail', expect=200).json()['servers']
        return [s for s in found if s['name'].startswith(prefix)]

    def wait_for_servers(self, prefix, count, statuses=('ACTIVE',), timeout=60):
        """Wait until ``count`` servers named ``prefix…`` are all in a final state;
        fails at once if one ends in a state outside ``statuses``."""
        def settled():
            servers = self.servers(prefix)
            if len(servers) != count:
                return None
            for server in servers:
                if server['status'] in ('ERROR', 'ACTIVE') and \
                        server['status'] not in statuses:
                    raise AssertionError('server %s is %s: %s' % (
                        server['id'], server['status'], server.get('fault')))
            done = all(s['status'] in statuses for s in servers)
            return servers if done else None
        return wait_for(settled, timeout, '%d servers %s* to be %s' % (
            count, prefix, '/'.join(statuses)), interval=0.5)

    def server(self, server_id):
        """The server as GET /servers/<id> shows it; None once it is gone."""
        resp = self.request('GET', '/v2.1/servers/%s' % server_id)
        if resp.status_code == 404:
            return None
        assert resp.status_code == 200, resp.text
        return resp.json()['server']

    def server_action(self, server_id, body, expect=None):
        """POST an action; it must answer ``expect``, or any success when None."""
        resp = self.request('POST', '/v2.1/servers/%s/action' % server_id, body,
                            expect=expect)
        assert resp.status_code in (200, 202, 204), resp.text
        return resp

    def wait_for_status(self, server_id, status, timeout):
        """Wait until the server is ``status`` with no task; fails at once on ERROR."""
        def reached():
            server = self.server(server_id)
            if server is not None and server['status'] == 'ERROR' and status != 'ERROR':
                raise AssertionError('server %s went to ERROR: %s' % (
                    server_id, server.get('fault')))
            return server if server is not None and server['status'] == status and \
                server['OS-EXT-STS:task_state'] is None else None
        return wait_for(reached, timeout, 'server %s to be %s' % (server_id, status),
                        interval=0.25)

    def delete_servers(self, servers, timeout=60):
        for server in servers:
            self.request('DELETE', '/v2.1/servers/%s' % server['id'], expect=204)

        def gone():
            return all(self.request('GET', '/v2.1/servers/%s' % s['id']).status_code == 404
                       for s in servers)
        wait_for(gone, timeout, 'servers to be deleted', interval=0.5)


def _merge(base, overrides):
    merged = {section: dict(values) for section, values in base.items()}
    for section, values in (overrides or {}).items():
        merged.setdefault(section, {}).update(values)
    return merged


@contextlib.contextmanager
def deployment(tmp_dir, backend, conductors=('conductor',), computes=('cmp1', 'cmp2'),
               compute_overrides=None, with_api=True, common_overrides=None,
               db_port=None, transport_url=None, fake_disks=False,
               compute_driver='fake'):
    """Database, vhost, schema, default flavors, then the processes; all torn down after.

    The processes start in dependency order: conductors before computes (a compute's
    first call goes to a conductor), the API last. ``db_port`` and ``transport_url``
    name a private database server and broker (see ``PrivatePostgreSQL`` and
    ``PrivateRabbitMQ``) instead of the machine's shared ones."""
    database = ScratchDatabase(backend, tmp_dir, port=db_port)
    vhost = None
    dep = None
    try:
        if transport_url is None:
            vhost = ScratchVhost()
            transport_url = vhost.transport_url
        dep = Deployment(tmp_dir, database, transport_url, compute_overrides,
                         common_overrides, fake_disks=fake_disks, compute_hosts=computes,
                         compute_driver=compute_driver)
        dep.manage('db', 'sync')
        dep.manage('flavor', 'create-defaults')
        try:
            for name in conductors:
                dep.start_conductor(name)
            for host in computes:
                dep.start_compute(host)
            if with_api:
                dep.start_api()
                dep.wait_for_computes(computes)
        except Exception as error:
            raise RuntimeError('deployment failed to start: %s\n\n%s' % (
                error, dep.log_tails())) from error
        yield dep
    finally:
        if dep is not None:
            dep.stop()
        if vhost is not None:
            vhost.delete()
        database.drop()
