"""The compute service's RPC endpoint: thin methods that hand each message to the
module for its operation family."""
from oslo_concurrency import lockutils
import oslo_messaging as messaging
from oslo_log import log as logging

from svc_common.conf import CONF
from svc_common import context as nimbus_context
from compute_svc import build
from compute_svc import delete
from compute_svc import diagnostics
from compute_svc import guest_actions
from compute_svc import live_migration
from compute_svc import power
from compute_svc import power_sync
from compute_svc import reap
from compute_svc import rebuild
from compute_svc import reclaim
from compute_svc import recovery
from compute_svc import resize
from compute_svc import resource_tracker
from compute_svc import shelve
from compute_svc import snapshot
from compute_svc import usage_audit
from compute_svc.virt.disks import image_client
from svc_common import rpc

LOG = logging.getLogger(__name__)
BINARY = 'nimbus-compute'


class ComputeManager:
    target = messaging.Target(version='1.9')

    def __init__(self, host, driver, compute_rpcapi, conductor_rpcapi):
        """The driver and the RPC clients come from the composition root
        (``cmd.make_service``); this class makes none of its own."""
        self.host = host
        self.driver = driver
        self.tracker = resource_tracker.ResourceTracker(self.host, self.driver)
        self.compute_rpcapi = compute_rpcapi
        self.conductor_rpcapi = conductor_rpcapi
        self._image_client = None

    @property
    def image_client(self):
        """The image API, for what this host writes there (snapshots)."""
        if self._image_client is None:
            self._image_client = image_client.get_client()
        return self._image_client

    # -- lifecycle -------------------------------------------------------------------
    def init_host(self):
        """Connect the driver and report inventory (before serving RPC)."""
        self.driver.init_host(self.host)
        self.tracker.update_available_resource(nimbus_context.get_admin_context())

    def after_start(self):
        """Resolve what a crash left unfinished (once serving RPC, so that the steps
        sent to this host are taken), then remove what deleted instances left here."""
        context = nimbus_context.get_admin_context()
        resolved = recovery.recover(self, context)
        self.reap_deleted()
        return resolved

    def periodic_tasks(self):
        """(interval, callable) pairs the service runner schedules besides heartbeats."""
        tasks = [(CONF.compute.resource_update_interval, self.update_available_resource)]
        tasks += self.driver.periodic_tasks()
        if CONF.compute.sync_power_state_interval:
            tasks.append((CONF.compute.sync_power_state_interval, self.sync_power_states))
        if CONF.compute.reap_deleted_interval:
            tasks.append((CONF.compute.reap_deleted_interval, self.reap_deleted))
        if CONF.reclaim_instance_interval:
            tasks.append((CONF.reclaim_instance_interval, self.reclaim_queued_deletes))
        if CONF.instance_usage_audit:
            tasks.append((CONF.compute.resource_update_interval, self.audit_instance_usage))
        if CONF.shelved_poll_interval and CONF.shelved_offload_time > 0:
            tasks.append((CONF.shelved_poll_interval, self.offload_shelved))
        if CONF.compute.resize_confirm_window:
            tasks.append((max(1, min(60, CONF.compute.resize_confirm_window // 2)),
                          self.confirm_expired_resizes))
        return tasks

    def audit_instance_usage(self):
        return usage_audit.audit(self, nimbus_context.get_admin_context())

    def reclaim_queued_deletes(self):
        return reclaim.reclaim_queued_deletes(self, nimbus_context.get_admin_context())

    def sync_power_states(self):
        return power_sync.sync_power_states(self)

    def confirm_expired_resizes(self):
        return resize.confirm_expired_resizes(self, nimbus_context.get_admin_context())

    def offload_shelved(self):
        return shelve.offload_expired(self, nimbus_context.get_admin_context())

    def reap_deleted(self):
        try:
            return reap.reap_deleted(self, nimbus_context.get_admin_context())
        except Exception:  # the next run tries again; never stop a start-up for it
            LOG.exception('Could not remove the leftovers of deleted instances')
            return []

    @staticmethod
    def instance_lock(instance):
        """Handlers for one instance run one at a time in this process, so a message
        delivered twice at once finds the first delivery's result instead of racing it
        (the reaper takes it too)."""
        return lockutils.lock('instance-%s' % instance.uuid)

    def update_available_resource(self):
        self.tracker.update_available_resource(nimbus_context.get_admin_context())

    def cleanup_host(self):
        self.driver.cleanup_host(self.host)

    # -- RPC API 1.0 -----------------------------------------------------------------
    @rpc.expose
    def build_and_run_instance(self, context, instance, image, request_spec):
        with self.instance_lock(instance):
            build.build_and_run_instance(self, context, instance, image)

    @rpc.expose
    def terminate_instance(self, context, instance):
        with self.instance_lock(instance):
            delete.terminate_instance(self, context, instance)

    @rpc.expose
    def stop_instance(self, context, instance):
        with self.instance_lock(instance):
            power.stop_instance(self, context, instance)

    @rpc.expose
    def start_instance(self, context, instance):
        with self.instance_lock(instance):
            power.start_instance(self, context, instance)

    @rpc.expose
    def reboot_instance(self, context, instance, reboot_type):
        with self.instance_lock(instance):
            power.reboot_instance(self, context, instance, reboot_type)

    @rpc.expose
    def get_console_output(self, context, instance, tail_length=None):
        output = self.driver.get_console_output(context, instance)
        if tail_length is not None:
            # The last ``tail_length`` pieces between newlines, as Nova counts them (a
            # log ending in a newline gives an empty last piece).
            output = '\n'.join(output.split('\n')[-tail_length:]) if tail_length else ''
        return output

    # -- RPC API 1.1: resize and cold migration --------------------------------------
    @rpc.expose
    def prep_resize(self, context, instance, flavor, migration, alternates):
        with self.instance_lock(instance):
            resize.prep_resize(self, context, instance, flavor, migration, alternates)

    @rpc.expose
    def resize_instance(self, context, instance, migration, flavor):
        with self.instance_lock(instance):
            resize.resize_instance(self, context, instance, migration, flavor)

    @rpc.expose
    def finish_resize(self, context, instance, migration):
        with self.instance_lock(instance):
            resize.finish_resize(self, context, instance, migration)

    @rpc.expose
    def confirm_resize(self, context, instance, migration):
        with self.instance_lock(instance):
            resize.confirm_resize(self, context, instance, migration)

    @rpc.expose
    def revert_resize(self, context, instance, migration):
        with self.instance_lock(instance):
            resize.revert_resize(self, context, instance, migration)

    @rpc.expose
    def finish_revert_resize(self, context, instance, migration):
        with self.instance_lock(instance):
            resize.finish_revert_resize(self, context, instance, migration)

    # -- RPC API 1.2: rebuild --------------------------------------------------------
    @rpc.expose
    def rebuild_instance(self, context, instance):
        with self.instance_lock(instance):
            rebuild.rebuild_instance(self, context, instance)

    # -- RPC API 1.3: snapshot and backup ---------------------------------------------
    @rpc.expose
    def snapshot_instance(self, context, instance):
        with self.instance_lock(instance):
            snapshot.snapshot_instance(self, context, instance)

    # -- RPC API 1.4: pause/unpause, suspend/resume ------------------------------------
    @rpc.expose
    def pause_instance(self, context, instance):
        with self.instance_lock(instance):
            guest_actions.run(self, context, instance, 'pause')

    @rpc.expose
    def unpause_instance(self, context, instance):
        with self.instance_lock(instance):
            guest_actions.run(self, context, instance, 'unpause')

    @rpc.expose
    def suspend_instance(self, context, instance):
        with self.instance_lock(instance):
            guest_actions.run(self, context, instance, 'suspend')

    @rpc.expose
    def resume_instance(self, context, instance):
        with self.instance_lock(instance):
            guest_actions.run(self, context, instance, 'resume')

    # -- RPC API 1.8: rescue/unrescue --------------------------------------------------
    @rpc.expose
    def rescue_instance(self, context, instance):
        with self.instance_lock(instance):
            guest_actions.run(self, context, instance, 'rescue')

    @rpc.expose
    def unrescue_instance(self, context, instance):
        with self.instance_lock(instance):
            guest_actions.run(self, context, instance, 'unrescue')

    # -- RPC API 1.5: diagnostics (a call) -----------------------------------------------
    @rpc.expose
    def get_diagnostics(self, context, instance):
        return diagnostics.get_diagnostics(self, context, instance)

    # -- RPC API 1.6: live migration (compute_svc/live_migration.py) ---------------------
    # The checks and the destination's steps are calls made while the source's
    # live_migration holds the instance lock there; they run without it here.
    @rpc.expose
    def check_can_live_migrate_destination(self, context, instance, migration, request):
        return live_migration.check_can_live_migrate_destination(
            self, context, instance, migration, request)

    @rpc.expose
    def check_can_live_migrate_source(self, context, instance, migration, migrate_data):
        return live_migration.check_can_live_migrate_source(self, context, instance,
                                                            migration, migrate_data)

    @rpc.expose
    def pre_live_migration(self, context, instance, migration, migrate_data):
        return live_migration.pre_live_migration(self, context, instance, migration,
                                                 migrate_data)

    @rpc.expose
    def rollback_live_migration_at_destination(self, context, instance, migration):
        live_migration.rollback_live_migration_at_destination(self, context, instance,
                                                              migration)

    @rpc.expose
    def live_migration(self, context, instance, migration):
        with self.instance_lock(instance):
            live_migration.live_migration(self, context, instance, migration)

    @rpc.expose
    def post_live_migration(self, context, instance, migration):
        with self.instance_lock(instance):
            live_migration.post_live_migration(self, context, instance, migration)

    @rpc.expose
    def post_live_migration_at_destination(self, context, instance, migration):
        with self.instance_lock(instance):
            live_migration.post_live_migration_at_destination(self, context, instance,
                                                              migration)

    @rpc.expose
    def rollback_live_migration(self, context, instance, migration):
        with self.instance_lock(instance):
            live_migration.rollback_live_migration(self, context, instance, migration)

    @rpc.expose
    def live_migration_force_complete(self, context, instance, migration):
        live_migration.force_complete(self, context, instance, migration)

    @rpc.expose
    def live_migration_abort(self, context, instance, migration):
        live_migration.abort(self, context, instance, migration)

    # -- RPC API 1.7: shelve, offload, unshelve ---------------------------------------
    @rpc.expose
    def shelve_instance(self, context, instance):
        with self.instance_lock(instance):
            shelve.shelve_instance(self, context, instance)

    @rpc.expose
    def shelve_offload_instance(self, context, instance):
        with self.instance_lock(instance):
            shelve.shelve_offload_instance(self, context, instance)

    @rpc.expose
    def unshelve_instance(self, context, instance):
        with self.instance_lock(instance):
            shelve.unshelve_instance(self, context, instance)
    # -- RPC API 1.9: soft delete and restore ----------------------------------------------
    @rpc.expose
    def soft_delete_instance(self, context, instance):
        with self.instance_lock(instance):
            guest_actions.run(self, context, instance, 'soft_delete')

    @rpc.expose
    def restore_instance(self, context, instance):
        with self.instance_lock(instance):
            guest_actions.run(self, context, instance, 'restore')
