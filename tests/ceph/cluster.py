"""A throwaway single-node Ceph cluster for the tests: one monitor and one in-memory OSD
(memstore), no auth, everything (config, data, logs, sockets) under one directory, on a
free port. Set-up as in ../shared/notes/ceph.md; about ten seconds to start."""
import json
import os
import pathlib
import signal
import subprocess
import time
import uuid

from svc_common import rbd_utils
from tests import pidfiles


class Cluster:
    def __init__(self, directory, port, osd_bytes=4 * 1024 ** 3):
        self.dir = pathlib.Path(directory)
        self.port = port
        self.fsid = str(uuid.uuid4())
        self.conf = str(self.dir / 'ceph.conf')
        self.osd_bytes = osd_bytes

    def _write_conf(self):
        d = self.dir
        for sub in ('run', 'log', 'mon', 'osd0'):
            (d / sub).mkdir(parents=True, exist_ok=True)
        (d / 'ceph.conf').write_text('\n'.join([
            '[global]',
            'fsid = %s' % self.fsid,
            'mon_host = v1:127.0.0.1:%d' % self.port,
            'auth_cluster_required = none',
            'auth_service_required = none',
            'auth_client_required = none',
            'osd_pool_default_size = 1',
            'osd_pool_default_min_size = 1',
            'mon_allow_pool_size_one = true',
            'mon_allow_pool_delete = true',
            'osd_objectstore = memstore',
            'memstore_device_bytes = %d' % self.osd_bytes,
            'osd_crush_chooseleaf_type = 0',
            'run_dir = %s/run' % d,
            'log_file = %s/log/$name.log' % d,
            'admin_socket = %s/run/$name.asok' % d,
            'pid_file = %s/run/$name.pid' % d,
            'mon_warn_on_pool_no_redundancy = false',
            '[osd]',
            # Without these two the OSD exits at start ('wrong fsid').
            'osd_class_update_on_start = false',
            'osd_crush_update_on_start = false',
            '[mon.a]',
            'mon_data = %s/mon' % d,
            '[osd.0]',
            'osd_data = %s/osd0' % d,
            '']))

    def _run(self, *args, timeout=60):
        run = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        if run.returncode:
            raise RuntimeError('%s exited %d: %s%s' % (' '.join(args), run.returncode,
                                                       run.stdout, run.stderr))
        return run.stdout

    def ceph(self, *args):
        return self._run('ceph', '-c', self.conf, '--connect-timeout', '20', *args)

    def mon_command(self, **cmd):
        import rados
        client = rbd_utils.connect(rados.Rados(conffile=self.conf), 60)
        try:
            ret, out, err = client.mon_command(json.dumps(cmd), b'', timeout=60)
        finally:
            client.shutdown()
        if ret:
            raise RuntimeError('%s: %s' % (cmd, err))
        return out

    def start(self, pools=('vms', 'images')):
        import rados
        import rbd
        self._write_conf()
        monmap = str(self.dir / 'monmap')
        self._run('monmaptool', '--create', '--add', 'a', 'v1:127.0.0.1:%d' % self.port,
                  '--fsid', self.fsid, monmap)
        self._run('ceph-mon', '-c', self.conf, '--mkfs', '-i', 'a', '--monmap', monmap)
        self._run('ceph-mon', '-c', self.conf, '-i', 'a')
        osd_uuid = str(uuid.uuid4())
        self.mon_command(prefix='osd create', uuid=osd_uuid)
        self._run('ceph-osd', '-c', self.conf, '-i', '0', '--mkfs', '--osd-uuid', osd_uuid)
        self._run('ceph-osd', '-c', self.conf, '-i', '0')
        self.ceph('osd', 'crush', 'add', 'osd.0', '1.0', 'root=default')
        client = rbd_utils.connect(rados.Rados(conffile=self.conf), 60)
        try:
            for pool in pools:
                client.create_pool(pool)
                with client.open_ioctx(pool) as ioctx:
                    rbd.RBD().pool_init(ioctx, True)
        finally:
            client.shutdown()
        return self

    def set_quota(self, pool, max_bytes):
        for attempt in range(5):  # a monitor just up may still refuse (seen once)
            try:
                self.ceph('osd', 'pool', 'set-quota', pool, 'max_bytes', str(max_bytes))
                return
            except RuntimeError:
                if attempt == 4:
                    raise
                time.sleep(2)

    def pids(self):
        """The pids of this cluster's daemons still running (their pid files' pids
        whose command line names this cluster's config; see tests/pidfiles.py)."""
        found = (pidfiles.live_pid(path, str(self.dir))
                 for path in (self.dir / 'run').glob('*.pid'))
        return [pid for pid in found if pid is not None]

    def stop(self):
        """Stop the daemons this cluster started (by their own pid files)."""
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 15
        for pid in pids:
            while time.monotonic() < deadline:
                if not pidfiles.is_daemon(pid, str(self.dir)):
                    break
                time.sleep(0.1)
            else:
                if pidfiles.is_daemon(pid, str(self.dir)):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
