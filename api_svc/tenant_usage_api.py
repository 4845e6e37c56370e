"""Simple tenant usage, the API's part: which servers existed during a window of time,
for how many of its hours, and what their flavors add up to per project.

A server counts from its launch to its termination (the delete): one that never
launched costs nothing, one terminated before the window is not in it.
"""
import dataclasses
import datetime

from oslo_utils import timeutils

from svc_common import exception
from svc_common import objects

_SECONDS_PER_HOUR = 3600.0


@dataclasses.dataclass(frozen=True)
class Window:
    """[start, stop] in naive UTC."""
    start: datetime.datetime
    stop: datetime.datetime


@dataclasses.dataclass
class ServerUsage:
    """One server's part of a window; the field names are the API's."""
    instance_id: str
    name: str | None
    tenant_id: str
    flavor: str
    memory_mb: int
    local_gb: int
    vcpus: int
    hours: float
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    state: str
    uptime: int  # seconds from launch to termination, or to now


@dataclasses.dataclass
class ProjectUsage:
    """A project's totals over its servers' usages (flavor sizes times hours)."""
    tenant_id: str
    start: datetime.datetime
    stop: datetime.datetime
    total_hours: float = 0.0
    total_memory_mb_usage: float = 0.0
    total_vcpus_usage: float = 0.0
    total_local_gb_usage: float = 0.0
    server_usages: list = dataclasses.field(default_factory=list)

    def add(self, usage):
        self.total_hours += usage.hours
        self.total_memory_mb_usage += usage.memory_mb * usage.hours
        self.total_vcpus_usage += usage.vcpus * usage.hours
        self.total_local_gb_usage += usage.local_gb * usage.hours
        self.server_usages.append(usage)


def make_window(start=None, end=None):
    """The window from ``start`` to ``end`` (datetimes, each now when not given), cut
    off at now. Invalid unless start is before end; with neither given it is the empty
    window at now, as Nova's two readings of the clock make it."""
    now = timeutils.utcnow().replace(tzinfo=None)
    if start is None and end is None:
        return Window(now, now)
    start = now if start is None else timeutils.normalize_time(start)
    end = now if end is None else timeutils.normalize_time(end)
    if start >= end:
        raise exception.Invalid(message='Invalid start time. The start time cannot occur '
                                        'after the end time.')
    return Window(start, min(end, now))


def server_usages(context, window, project_id=None, limit=None, marker=None):
    """The usages of the servers (of ``project_id``, or of every project) that existed
    during ``window``, deleted ones too, ordered by project then server uuid: at most
    ``limit`` after the server ``marker`` (MarkerNotFound when it is not in the window).
    The caller's right to see them was checked by the API policy."""
    filters = {'launched_before': window.stop, 'terminated_after': window.start}
    if project_id is not None:
        filters['project_id'] = project_id
    instances = objects.InstanceList.get_by_filters(
        context.elevated(read_deleted='yes'), filters, sort_keys=('project_id', 'uuid'),
        sort_dirs=('asc',), limit=limit, marker=marker)
    now = timeutils.utcnow().replace(tzinfo=None)
    return [_server_usage(instance, window, now) for instance in instances]


def by_project(usages, window):
    """ProjectUsages of ``usages``, in the order their projects first appear."""
    projects = {}
    for usage in usages:
        project = projects.get(usage.tenant_id)
        if project is None:
            project = projects[usage.tenant_id] = ProjectUsage(usage.tenant_id,
                                                               window.start, window.stop)
        project.add(usage)
    return list(projects.values())


def _server_usage(instance, window, now):
    started = timeutils.normalize_time(instance.launched_at)
    ended = (timeutils.normalize_time(instance.terminated_at)
             if instance.terminated_at is not None else None)
    charged = min(window.stop, ended or window.stop) - max(window.start, started)
    flavor = instance.flavor
    return ServerUsage(
        instance_id=instance.uuid, name=instance.display_name,
        tenant_id=instance.project_id, flavor=flavor.name, memory_mb=flavor.memory_mb,
        local_gb=flavor.root_gb + flavor.ephemeral_gb, vcpus=flavor.vcpus,
        hours=max(charged.total_seconds(), 0) / _SECONDS_PER_HOUR,
        started_at=started, ended_at=ended,
        state='terminated' if ended is not None else instance.vm_state,
        uptime=int(((ended or now) - started).total_seconds()))
