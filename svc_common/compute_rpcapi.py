"""Client side of the compute RPC API. Every cast goes to the host that owns the work.

Version log:
    1.0 - build_and_run_instance, terminate_instance, stop_instance, start_instance,
          reboot_instance, get_console_output
    1.1 - prep_resize, resize_instance, finish_resize, confirm_resize, revert_resize,
          finish_revert_resize
    1.2 - rebuild_instance
    1.3 - snapshot_instance
    1.4 - pause_instance, unpause_instance, suspend_instance, resume_instance
    1.5 - get_diagnostics
    1.6 - live migration: check_can_live_migrate_destination,
          check_can_live_migrate_source, pre_live_migration (calls), live_migration,
          post_live_migration, post_live_migration_at_destination,
          rollback_live_migration (casts), rollback_live_migration_at_destination (call),
          live_migration_force_complete, live_migration_abort (casts)
    1.7 - shelve_instance, shelve_offload_instance, unshelve_instance
    1.8 - rescue_instance, unrescue_instance
    1.9 - soft_delete_instance, restore_instance
"""
from __future__ import annotations

from typing import Any, Optional, TYPE_CHECKING

import oslo_messaging as messaging

from svc_common import rpc

if TYPE_CHECKING:
    from svc_common.context import RequestContext
    from svc_common.objects.flavor import Flavor
    from svc_common.objects.instance import Instance
    from svc_common.objects.migration import Migration

TOPIC = 'compute'


class ComputeAPI:
    VERSION = '1.9'

    def __init__(self, bus: Optional[rpc.Bus] = None) -> None:
        target = messaging.Target(topic=TOPIC, version='1.0')
        self.client = (bus or rpc.BUS).get_client(target, version_cap=self.VERSION)

    def _at(self, host: str, version: str = '1.0') -> Any:
        return self.client.prepare(server=host, version=version)

    def build_and_run_instance(self, ctxt: RequestContext, host: str, instance: Instance,
                               image: Optional[dict], request_spec: dict) -> None:
        self._at(host).cast(ctxt, 'build_and_run_instance', instance=instance, image=image,
                            request_spec=request_spec)

    def terminate_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host).cast(ctxt, 'terminate_instance', instance=instance)

    def stop_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host).cast(ctxt, 'stop_instance', instance=instance)

    def start_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host).cast(ctxt, 'start_instance', instance=instance)

    def reboot_instance(self, ctxt: RequestContext, instance: Instance, reboot_type: str) -> None:
        self._at(instance.host).cast(ctxt, 'reboot_instance', instance=instance,
                                     reboot_type=reboot_type)

    def get_console_output(self, ctxt: RequestContext, instance: Instance,
                           tail_length: Optional[int] = None) -> Any:
        return self._at(instance.host).call(ctxt, 'get_console_output', instance=instance,
                                            tail_length=tail_length)

    # -- resize and cold migration (1.1) ------------------------------------------------
    def prep_resize(self, ctxt: RequestContext, host: str, instance: Instance, flavor: Flavor,
                    migration: Migration, alternates: Optional[list]) -> None:
        self._at(host, '1.1').cast(ctxt, 'prep_resize', instance=instance, flavor=flavor,
                                   migration=migration, alternates=alternates)

    def resize_instance(self, ctxt: RequestContext, instance: Instance, migration: Migration,
                        flavor: Flavor) -> None:
        self._at(migration.source_compute, '1.1').cast(
            ctxt, 'resize_instance', instance=instance, migration=migration, flavor=flavor)

    def finish_resize(self, ctxt: RequestContext, instance: Instance, migration: Migration) -> None:
        self._at(migration.dest_compute, '1.1').cast(
            ctxt, 'finish_resize', instance=instance, migration=migration)

    def confirm_resize(self, ctxt: RequestContext, instance: Instance,
                       migration: Migration) -> None:
        self._at(migration.source_compute, '1.1').cast(
            ctxt, 'confirm_resize', instance=instance, migration=migration)

    def revert_resize(self, ctxt: RequestContext, instance: Instance, migration: Migration) -> None:
        self._at(migration.dest_compute, '1.1').cast(
            ctxt, 'revert_resize', instance=instance, migration=migration)

    def finish_revert_resize(self, ctxt: RequestContext, instance: Instance,
                             migration: Migration) -> None:
        self._at(migration.source_compute, '1.1').cast(
            ctxt, 'finish_revert_resize', instance=instance, migration=migration)

    # -- rebuild (1.2) ----------------------------------------------------------------------
    def rebuild_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        """The image and what else changes are on the record: the message carries none
        of it, so the reconciler's copy is the same message."""
        self._at(instance.host, '1.2').cast(ctxt, 'rebuild_instance', instance=instance)

    # -- snapshot and backup (1.3) ----------------------------------------------------------
    def snapshot_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        """The image to fill (and a backup's rotation) are in the record's
        system_metadata, so the reconciler's copy is the same message."""
        self._at(instance.host, '1.3').cast(ctxt, 'snapshot_instance', instance=instance)

    # -- pause/unpause, suspend/resume (1.4) ------------------------------------------------
    def pause_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host, '1.4').cast(ctxt, 'pause_instance', instance=instance)

    def unpause_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host, '1.4').cast(ctxt, 'unpause_instance', instance=instance)

    def suspend_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host, '1.4').cast(ctxt, 'suspend_instance', instance=instance)

    def resume_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host, '1.4').cast(ctxt, 'resume_instance', instance=instance)

    # -- rescue/unrescue (1.8) ----------------------------------------------------------
    def rescue_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        """The rescue image is on the record (system_metadata), as for a rebuild."""
        self._at(instance.host, '1.8').cast(ctxt, 'rescue_instance', instance=instance)

    def unrescue_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host, '1.8').cast(ctxt, 'unrescue_instance', instance=instance)

    # -- diagnostics (1.5) ------------------------------------------------------------------
    def get_diagnostics(self, ctxt: RequestContext, instance: Instance) -> Any:
        return self._at(instance.host, '1.5').call(ctxt, 'get_diagnostics',
                                                   instance=instance)

    # -- live migration (1.6) ----------------------------------------------------------------
    def check_can_live_migrate_destination(self, ctxt: RequestContext, instance: Instance,
                                           migration: Migration, request: dict) -> Any:
        """On the destination (which asks the source in turn): the migrate data, a dict
        of primitives; raises MigrationPreCheckError."""
        return self._at(migration.dest_compute, '1.6').call(
            ctxt, 'check_can_live_migrate_destination', instance=instance,
            migration=migration, request=request)

    def check_can_live_migrate_source(self, ctxt: RequestContext, instance: Instance,
                                      migration: Migration, migrate_data: dict) -> Any:
        return self._at(migration.source_compute, '1.6').call(
            ctxt, 'check_can_live_migrate_source', instance=instance, migration=migration,
            migrate_data=migrate_data)

    def pre_live_migration(self, ctxt: RequestContext, instance: Instance, migration: Migration,
                           migrate_data: dict) -> Any:
        return self._at(migration.dest_compute, '1.6').call(
            ctxt, 'pre_live_migration', instance=instance, migration=migration,
            migrate_data=migrate_data)

    def live_migration(self, ctxt: RequestContext, instance: Instance,
                       migration: Migration) -> None:
        self._at(migration.source_compute, '1.6').cast(
            ctxt, 'live_migration', instance=instance, migration=migration)

    def post_live_migration(self, ctxt: RequestContext, instance: Instance,
                            migration: Migration) -> None:
        self._at(migration.source_compute, '1.6').cast(
            ctxt, 'post_live_migration', instance=instance, migration=migration)

    def post_live_migration_at_destination(self, ctxt: RequestContext, instance: Instance,
                                           migration: Migration) -> None:
        self._at(migration.dest_compute, '1.6').cast(
            ctxt, 'post_live_migration_at_destination', instance=instance,
            migration=migration)

    def rollback_live_migration(self, ctxt: RequestContext, instance: Instance,
                                migration: Migration) -> None:
        self._at(migration.source_compute, '1.6').cast(
            ctxt, 'rollback_live_migration', instance=instance, migration=migration)

    def rollback_live_migration_at_destination(self, ctxt: RequestContext, instance: Instance,
                                               migration: Migration) -> Any:
        return self._at(migration.dest_compute, '1.6').call(
            ctxt, 'rollback_live_migration_at_destination', instance=instance,
            migration=migration)

    def live_migration_force_complete(self, ctxt: RequestContext, instance: Instance,
                                      migration: Migration) -> None:
        self._at(migration.source_compute, '1.6').cast(
            ctxt, 'live_migration_force_complete', instance=instance, migration=migration)

    def live_migration_abort(self, ctxt: RequestContext, instance: Instance,
                             migration: Migration) -> None:
        self._at(migration.source_compute, '1.6').cast(
            ctxt, 'live_migration_abort', instance=instance, migration=migration)
    # -- shelve, offload, unshelve (1.7) ------------------------------------------------------
    def shelve_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        """The shelved image is named in the record's system_metadata."""
        self._at(instance.host, '1.7').cast(ctxt, 'shelve_instance', instance=instance)

    def shelve_offload_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host, '1.7').cast(ctxt, 'shelve_offload_instance',
                                            instance=instance)

    def unshelve_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        """To the host the record names: the shelved server's, or the one the conductor
        chose for an offloaded server."""
        self._at(instance.host, '1.7').cast(ctxt, 'unshelve_instance', instance=instance)
    # -- soft delete and restore (1.9) --------------------------------------------------
    def soft_delete_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host, '1.9').cast(ctxt, 'soft_delete_instance', instance=instance)

    def restore_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        self._at(instance.host, '1.9').cast(ctxt, 'restore_instance', instance=instance)
