"""Named fault-injection points: a test kills a service at an exact step.

Off by default. ``[DEFAULT]/fault_points`` (a list) or the ``NIMBUS_FAULT_POINTS``
environment variable (comma separated) names the points that end the process
abruptly (``os._exit``: no cleanup, no acknowledgement of the message in hand),
exactly as a power cut or an OOM kill would.
"""
import os
import sys

EXIT_CODE = 137

# Every point the code base declares, so tests can iterate them and a typo fails loudly.
POINTS = (
    'build.before_spawn', 'build.after_spawn',
    'conductor.build.after_claim', 'conductor.build.after_host_saved',
    'delete.after_destroy', 'delete.after_release',
    'stop.after_power_off', 'start.after_power_on', 'reboot.after_driver',
    'conductor.migrate.after_migration_created', 'conductor.migrate.after_dest_claim',
    'prep_resize.after_claim', 'prep_resize.after_save',
    'resize_instance.after_migrating', 'resize_instance.during_disk_copy',
    'resize_instance.after_disk_moved',
    'resize_instance.after_post_migrating',
    'finish_resize.after_flavor_applied', 'finish_resize.after_driver',
    'finish_resize.after_finished',
    'confirm.after_driver',
    'revert.after_dest_destroy', 'revert.after_host_swapped',
    'finish_revert.after_claims', 'finish_revert.after_driver',
    'rebuild.after_destroy', 'rebuild.after_disk', 'rebuild.after_spawn',
    'snapshot.after_capture', 'snapshot.during_upload', 'snapshot.after_upload',
    'pause.after_driver', 'unpause.after_driver',
    'suspend.after_driver', 'resume.after_driver',
    'conductor.live_migrate.after_source_claim_moved', 'conductor.live_migrate.after_checks',
    'live_migration.after_preparing', 'live_migration.after_running',
    'live_migration.during_disk_copy', 'live_migration.after_guest_moved',
    'live_migration.after_post_migrating', 'post_live_migration.after_source_cleanup',
    'post_live_migration.after_host_changed',
    'post_live_migration_at_destination.after_completed',
    'rollback_live_migration.after_status',
    'shelve.after_capture', 'shelve.during_upload', 'shelve.after_upload',
    'shelve_offload.after_destroy', 'shelve_offload.after_release',
    'unshelve.after_spawn', 'unshelve.after_image_discarded',
    'rescue.after_driver', 'unrescue.after_driver',
    'soft_delete.after_driver', 'restore.after_driver',
)


def _enabled():
    from svc_common.conf import CONF
    configured = set(CONF.fault_points or [])
    configured.update(p for p in os.environ.get('NIMBUS_FAULT_POINTS', '').split(',') if p)
    return configured


def point(name):
    """Exit the process here if ``name`` is switched on."""
    if name not in POINTS:
        raise ValueError('Undeclared fault point %s' % name)
    if name in _enabled():
        sys.stderr.write('FAULT INJECTED at %s: exiting\n' % name)
        sys.stderr.flush()
        os._exit(EXIT_CODE)
