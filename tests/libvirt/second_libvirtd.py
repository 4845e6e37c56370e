"""A second libvirtd on this machine, as a second hypervisor host for live migration.

Two libvirt daemons on one machine would clash over /run/libvirt, /var/lib/libvirt,
/etc/libvirt and the host name and UUID that libvirt compares to refuse a migration to
the same host. This one runs in its own mount and UTS namespaces (``unshare -m -u``):
those directories are bind-mounted from a private tree, the host name is its own, and
its config gives it its own host UUID, TCP listening on 127.0.0.1 (no auth: the test
machine's loopback only) and no cgroup controllers (the first daemon's guests have the
same names). /tmp is shared, so its guests see the instances paths the tests make.
"""
import os
import pathlib
import shutil
import signal
import subprocess
import time
import uuid

from tests import pidfiles

PORT = 16609
URI = 'qemu+tcp://127.0.0.1:%d/system' % PORT
MIGRATION_PORTS = (49300, 49363)

_START = """#!/bin/sh
set -e
mount --make-rprivate /
for d in run:/run/libvirt lib:/var/lib/libvirt cache:/var/cache/libvirt \\
         log:/var/log/libvirt etc:/etc/libvirt; do
    mount --bind "$ROOT/${d%%:*}" "${d#*:}"
done
hostname "$HOSTNAME_2"
/usr/sbin/virtlogd --daemon --pid-file "$ROOT/virtlogd.pid"
exec /usr/sbin/libvirtd --listen --pid-file "$ROOT/libvirtd.pid"
"""


class SecondLibvirtd:

    def __init__(self, root, name):
        self.root = pathlib.Path(root)
        self.name = name
        self.proc = None

    def start(self, timeout=30):
        for sub in ('run', 'lib/qemu', 'cache', 'log/qemu'):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        shutil.copytree('/etc/libvirt', self.root / 'etc', dirs_exist_ok=True)
        with open(self.root / 'etc' / 'libvirtd.conf', 'a') as conf:
            conf.write('\nlisten_tls = 0\nlisten_tcp = 1\ntcp_port = "%d"\n'
                       'listen_addr = "127.0.0.1"\nauth_tcp = "none"\nhost_uuid = "%s"\n'
                       % (PORT, uuid.uuid4()))
        with open(self.root / 'etc' / 'qemu.conf', 'a') as conf:
            # Both daemons share the network namespace: a port range of its own keeps an
            # incoming migration's listener clear of the first daemon's (both default to
            # 49152 upwards, and each checks only its own allocations).
            conf.write('\ncgroup_controllers = [ ]\nmigration_port_min = %d\n'
                       'migration_port_max = %d\n' % MIGRATION_PORTS)
        script = self.root / 'start.sh'
        script.write_text(_START)
        script.chmod(0o755)
        log = open(self.root / 'libvirtd.log', 'wb')
        self.proc = subprocess.Popen(
            ['unshare', '-m', '-u', str(script)], stdout=log, stderr=subprocess.STDOUT,
            env=dict(os.environ, ROOT=str(self.root), HOSTNAME_2=self.name),
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check = subprocess.run(['virsh', '-c', URI, 'hostname'], capture_output=True,
                                   text=True, timeout=10)
            if check.returncode == 0 and check.stdout.strip() == self.name:
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError('the second libvirtd did not start: %s' % (
            self.root / 'libvirtd.log').read_text()[-2000:])

    def stop(self):
        # libvirtd is the process started (start.sh execs it): signalled through its
        # Popen, which never signals a pid reaped and reused. virtlogd daemonized itself:
        # only while its pid file still names it (see tests/pidfiles.py).
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
        pidfile = self.root / 'virtlogd.pid'
        pidfiles.signal_daemon(pidfile, str(pidfile), signal.SIGTERM)
        if self.proc is not None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
