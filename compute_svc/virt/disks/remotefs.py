"""Files on another compute host, for cold migration and resize.

Paths are relative to the other host's instances path. With ssh that is, by convention,
the same path as here (``instances_paths_by_host`` can say otherwise per host); with the
local transport every "host" is a directory on this machine, which is how several compute
services share one machine (and how tests count the bytes a migration moves).
"""
import abc
import os
import re
import shlex

from oslo_log import log as logging

from svc_common.conf import CONF
from compute_svc.virt.disks import utils

LOG = logging.getLogger(__name__)


class RemoteFilesystem(abc.ABC):

    def __init__(self, local_root, roots=None):
        self.local_root = local_root
        self.roots = dict(roots or {})

    def root(self, host):
        return self.roots.get(host, self.local_root)

    def path(self, host, relpath):
        if os.path.isabs(relpath) or '..' in relpath.split(os.sep):
            raise ValueError('not a path inside an instances path: %r' % relpath)
        return os.path.join(self.root(host), relpath)

    @abc.abstractmethod
    def make_dir(self, host, relpath):
        """mkdir -p"""

    @abc.abstractmethod
    def create_file(self, host, relpath):
        """Create an empty file."""

    @abc.abstractmethod
    def remove(self, host, relpath):
        """Remove a file or a directory tree; a missing one is fine."""

    @abc.abstractmethod
    def copy_to(self, src_path, host, relpath) -> int:
        """Copy a local file there, keeping holes; return the bytes that travelled."""


class LocalTransport(RemoteFilesystem):
    """Each host is a directory on this machine (``roots``: host -> instances path)."""

    def make_dir(self, host, relpath):
        utils.ensure_tree(self.path(host, relpath))

    def create_file(self, host, relpath):
        open(self.path(host, relpath), 'a').close()

    def remove(self, host, relpath):
        path = self.path(host, relpath)
        if os.path.isdir(path):
            utils.remove_tree(path)
        elif os.path.exists(path):
            os.unlink(path)

    def copy_to(self, src_path, host, relpath):
        return utils.sparse_copy(src_path, self.path(host, relpath))


class SshTransport(RemoteFilesystem):
    """ssh for small commands, rsync over ssh (``--sparse``) for the disks."""

    def __init__(self, local_root, roots=None, ssh_options=()):
        super().__init__(local_root, roots)
        self.ssh_options = list(ssh_options)

    def _ssh(self, host, *remote_cmd):
        # ssh hands the remote side one command line, so each argument is quoted.
        return utils.execute('ssh', *self.ssh_options, host, '--',
                             *[shlex.quote(arg) for arg in remote_cmd])

    def make_dir(self, host, relpath):
        self._ssh(host, 'mkdir', '-p', self.path(host, relpath))

    def create_file(self, host, relpath):
        self._ssh(host, 'touch', self.path(host, relpath))

    def remove(self, host, relpath):
        self._ssh(host, 'rm', '-rf', self.path(host, relpath))

    def copy_to(self, src_path, host, relpath):
        rsh = ' '.join(shlex.quote(arg) for arg in ['ssh'] + self.ssh_options)
        out, _err = utils.execute('rsync', '--sparse', '--times', '--stats', '-e', rsh,
                                  src_path, '%s:%s' % (host, self.path(host, relpath)))
        match = re.search(r'Total bytes sent:\s*([\d,.]+)', out)
        return int(re.sub(r'[,.]', '', match.group(1))) if match else 0


def from_config(instances_path):
    roots = CONF.libvirt.instances_paths_by_host
    if CONF.libvirt.remote_filesystem_transport == 'local':
        return LocalTransport(instances_path, roots)
    return SshTransport(instances_path, roots, CONF.libvirt.ssh_options)
