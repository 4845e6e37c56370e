"""Live migration with libvirt: the source's libvirtd moves the running domain to the
destination's libvirtd itself (peer to peer, ``migrateToURI3``).

- The destination's checks name its libvirtd (``[libvirt]/live_migration_uri`` with its
  migration address) and where the guest's files go there (its instances path); the
  source's decide the block migration (``driver.block_migration_of``: disks on storage
  both hosts share stay, others are copied).
- ``pre_live_migration`` on the destination: for a block migration the image's bases in
  its cache and the instance's disks made over them (libvirt's incremental copy,
  ``VIR_MIGRATE_NON_SHARED_INC``, then sends only what the overlays hold); on shared
  storage the bases checked.
- ``live_migration`` on the source: the domain's migratable XML with the source's
  instances path replaced by the destination's, flags LIVE | PEER2PEER | PERSIST_DEST |
  UNDEFINE_SOURCE (| NON_SHARED_INC), run in a thread while this one watches for an
  abort (``abortJob``), a force-complete (the guest paused so the last memory copy
  converges; resumed on the destination) and the completion timeout.
- A guest that has left the source has no domain there any more (UNDEFINE_SOURCE):
  that is how a resumed migration learns whether it moved.
"""
import threading
import time

import libvirt
from oslo_log import log as logging

from compute_svc.virt import driver as driver_mod
from compute_svc.virt.disks import rbd_live_migration
from svc_common.conf import CONF
from svc_common import exception
from svc_common import states

LOG = logging.getLogger(__name__)
POLL = 0.2


class LiveMigrations:
    """The live-migration half of a LibvirtDriver (``drv``)."""

    def __init__(self, drv):
        self.drv = drv
        self._abort, self._force = set(), set()

    # -- checks ------------------------------------------------------------------------
    def check_destination(self, context, instance, block_migration):
        uri = CONF.libvirt.live_migration_uri
        if '%s' in uri:
            uri = uri % self.drv.migration_address()
        return {'block_migration': block_migration, 'dest_uri': uri,
                'dest_instances_path': self.drv.instances_path,
                'inbound_addr': CONF.libvirt.live_migration_inbound_addr}

    def check_source(self, context, instance, migrate_data):
        guest = self.drv._existing_guest(instance)
        if not guest.is_active():
            raise exception.MigrationPreCheckError(reason='the guest is not running')
        shared, extra = rbd_live_migration.check_source(
            self.drv.disks, instance.uuid, migrate_data['dest_address'])
        block = driver_mod.block_migration_of(migrate_data['block_migration'], shared)
        return dict(migrate_data, block_migration=block, shared_storage=shared,
                    source_instances_path=self.drv.instances_path, **extra)

    # -- destination ---------------------------------------------------------------------
    def pre(self, context, instance, migrate_data):
        if rbd_live_migration.receive(self.drv.disks, context, instance.uuid, migrate_data):
            pass  # RBD disks: the pool is shared, the config drive is there too
        elif migrate_data['block_migration']:
            self.drv.disks.prepare_incoming(context, instance)
            # The guest's cdrom, made from its record and NICs.
            self.drv._config_drive(instance, self.drv.vifs(context, instance))
        else:
            self.drv.disks.attach_bases(context, instance.uuid)
        return migrate_data

    def post_at_destination(self, context, instance, migrate_data):
        _run_again(self.drv._existing_guest(instance), instance)  # after a force-complete
        if migrate_data['block_migration']:
            self.drv.disks.attach_bases(context, instance.uuid)

    def rollback_at_destination(self, context, instance, migrate_data):
        guest = self.drv._guest(instance.uuid)
        if guest is not None:  # a domain a failed incoming migration left defined
            guest.destroy()
            guest.undefine()
        if rbd_live_migration.leave(self.drv.disks, instance.uuid, migrate_data):
            return
        if migrate_data.get('block_migration'):
            self.drv.disks.remove(instance.uuid)

    # -- source --------------------------------------------------------------------------
    def migrate(self, context, instance, dest, migrate_data):
        guest = self.drv._existing_guest(instance)
        flags = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER |
                 libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
        xml = guest.migratable_xml().replace(migrate_data['source_instances_path'],
                                             migrate_data['dest_instances_path'])
        params = {libvirt.VIR_MIGRATE_PARAM_DEST_XML: xml,
                  libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: xml}
        if migrate_data.get('inbound_addr'):
            params[libvirt.VIR_MIGRATE_PARAM_URI] = 'tcp://%s' % migrate_data['inbound_addr']
        if migrate_data['block_migration']:
            flags |= libvirt.VIR_MIGRATE_NON_SHARED_INC
            params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] = _disk_targets(xml)
        outcome = {}

        def run():
            try:
                guest.migrate(migrate_data['dest_uri'], params, flags)
            except Exception as error:  # handed to the watching thread
                outcome['error'] = error
        self._abort.discard(instance.uuid)
        self._force.discard(instance.uuid)
        worker = threading.Thread(target=run, name='live-migration-%s' % instance.uuid,
                                  daemon=True)
        started = time.monotonic()
        worker.start()
        aborted = self._watch(instance, guest, worker, started)
        if aborted:
            raise exception.LiveMigrationAborted(instance_uuid=instance.uuid)
        if 'error' in outcome:
            _run_again(guest, instance)
            raise exception.LiveMigrationFailed(reason=str(outcome['error']))
        LOG.info('Guest moved to %s in %.1fs', dest, time.monotonic() - started,
                 instance=instance)

    def _watch(self, instance, guest, worker, started):
        """Wait for the migration thread; True when it ended because it was aborted."""
        aborted = False
        timeout = CONF.compute.live_migration_completion_timeout
        while worker.is_alive():
            worker.join(POLL)
            if instance.uuid in self._abort or (
                    timeout and time.monotonic() - started > timeout and not aborted):
                LOG.warning('Aborting the live migration', instance=instance)
                self._abort.discard(instance.uuid)
                guest.abort_job()
                aborted = True
            if instance.uuid in self._force:
                self._force.discard(instance.uuid)
                LOG.info('Pausing the guest so that the migration completes',
                         instance=instance)
                guest.pause()
        if aborted:
            _run_again(guest, instance)
        return aborted

    def moved(self, context, instance):
        guest = self.drv._guest(instance.uuid)
        while guest is not None and guest.job_active():
            time.sleep(POLL)  # a migration libvirtd runs on after this service stopped
            guest = self.drv._guest(instance.uuid)
        return guest is None

    def force_complete(self, instance):
        self._force.add(instance.uuid)

    def abort(self, instance):
        self._abort.add(instance.uuid)

    def post(self, context, instance, migrate_data):
        guest = self.drv._guest(instance.uuid)
        if guest is not None:  # UNDEFINE_SOURCE normally took it
            guest.destroy()
            guest.undefine()
        if rbd_live_migration.leave(self.drv.disks, instance.uuid, migrate_data):
            return
        if migrate_data.get('block_migration'):
            self.drv.disks.remove(instance.uuid)

    def rollback(self, context, instance, migrate_data):
        guest = self.drv._guest(instance.uuid)
        if guest is not None:
            _run_again(guest, instance)


def _run_again(guest, instance):
    """Let a guest the migration paused (a force-complete, the last copy) run again;
    a paused server's guest was paused before and stays so, wherever it is."""
    if instance.vm_state != states.VmState.PAUSED:
        guest.unpause()


def _disk_targets(xml):
    """The target devices (vda, ...) of the domain's file-backed disks."""
    from xml.etree import ElementTree
    root = ElementTree.fromstring(xml)
    return [d.find('target').get('dev') for d in root.findall('./devices/disk')
            if d.get('device', 'disk') == 'disk' and d.find('source') is not None]
