"""The conductor's RPC endpoint: builds (and later moves) instances, and runs
remotable object methods for compute services."""
from oslo_concurrency import lockutils
import oslo_messaging as messaging
from oslo_log import log as logging

from conductor_svc import object_indirection
from conductor_svc import reconciler
from conductor_svc.tasks import build
from conductor_svc.tasks import live_migrate
from conductor_svc.tasks import migrate
from conductor_svc.tasks import unshelve
from svc_common.conf import CONF
from svc_common import rpc

LOG = logging.getLogger(__name__)
BINARY = 'nimbus-conductor'


class ConductorManager(object_indirection.ObjectIndirection):
    target = messaging.Target(version='1.8')

    def __init__(self, scheduler, compute_rpcapi, conductor_rpcapi, heartbeat_batch):
        """The scheduler, RPC clients and heartbeat batch (the scheduler's too) come
        from the composition root (``cmd.make_service``)."""
        self.scheduler = scheduler
        self.compute_rpcapi = compute_rpcapi
        self.conductor_rpcapi = conductor_rpcapi
        self.heartbeats = heartbeat_batch

    def periodic_tasks(self):
        tasks = [(CONF.conductor.heartbeat_flush_interval, self.flush_heartbeats)]
        if CONF.conductor.reconcile_interval:
            tasks.append((CONF.conductor.reconcile_interval, self.reconcile))
        return tasks

    def flush_heartbeats(self):
        return self.heartbeats.flush()

    def cleanup_host(self):
        """On a graceful stop: write the heartbeats taken and not yet written."""
        try:
            self.heartbeats.flush()
        except Exception:  # stopping anyway; the services send the next ones
            LOG.warning('Could not write %d heartbeats on stopping',
                        self.heartbeats.pending())

    def reconcile(self):
        return reconciler.reconcile(self.compute_rpcapi, self.conductor_rpcapi)

    @rpc.expose
    def service_heartbeat(self, context, service_id, sent_at):
        """A compute service is alive (1.8): written with the next flush."""
        self.heartbeats.add(service_id, sent_at)

    @rpc.expose
    def build_instances(self, context, instances, image, request_spec=None):
        # request_spec: a dict from 1.0/1.1 clients, used only for instances stored
        # without a RequestSpec (made before specs were stored).
        build.BuildTask(context, instances, image, self.scheduler, self.compute_rpcapi,
                        legacy_spec=request_spec).execute()

    @rpc.expose
    def migrate_server(self, context, instance, flavor, migration=None, host_list=None,
                       target_host=None):
        # One at a time per instance in this process: a copy sent again by the reconciler
        # while a delayed original runs waits for it, then finds its destination chosen.
        with lockutils.lock('migrate-%s' % instance.uuid):
            self._migrate_server(context, instance, flavor, migration, host_list,
                                 target_host)

    def _migrate_server(self, context, instance, flavor, migration, host_list, target_host):
        migrate.MigrationTask(context, instance, flavor, self.scheduler, self.compute_rpcapi,
                              migration=migration, host_list=host_list,
                              target_host=target_host).execute()

    @rpc.expose
    def live_migrate_instance(self, context, instance, migration):
        with lockutils.lock('migrate-%s' % instance.uuid):
            return live_migrate.LiveMigrationTask(context, instance, migration,
                                                  self.scheduler,
                                                  self.compute_rpcapi).execute()

    @rpc.expose
    def unshelve_instance(self, context, instance):
        with lockutils.lock('unshelve-%s' % instance.uuid):
            unshelve.UnshelveTask(context, instance, self.scheduler,
                                  self.compute_rpcapi).execute()
