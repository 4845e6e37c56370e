"""Client side of the conductor RPC API.

Version log:
    1.0 - build_instances, object_action, object_class_action_versions,
          object_backport_versions
    1.1 - migrate_server
    1.2 - build_instances without request_spec: the conductor schedules each instance
          by the RequestSpec stored with it
    1.3 - live_migrate_instance
    1.4 - unshelve_instance
    1.8 - service_heartbeat: a compute's heartbeat as a cast, folded by the conductor
          into one write per flush interval (1.5-1.7 are numbers handed to other work)
"""
from __future__ import annotations

from typing import Any, Optional, TYPE_CHECKING

import oslo_messaging as messaging
from oslo_utils import timeutils

from svc_common.conf import CONF
from svc_common import rpc

if TYPE_CHECKING:
    from svc_common.context import RequestContext
    from svc_common.objects.flavor import Flavor
    from svc_common.objects.instance import Instance
    from svc_common.objects.migration import Migration
    from svc_common.objects.base import NimbusObject


class ConductorAPI:
    VERSION = '1.8'

    def __init__(self, bus: Optional[rpc.Bus] = None) -> None:
        target = messaging.Target(topic=CONF.conductor.topic, version='1.0')
        self.client = (bus or rpc.BUS).get_client(target, version_cap=self.VERSION)

    def build_instances(self, ctxt: RequestContext, instances: list[Instance],
                        image: Optional[dict]) -> None:
        """Schedule and build ``instances`` as their stored request specs ask."""
        cctxt = self.client.prepare(version='1.2')
        cctxt.cast(ctxt, 'build_instances', instances=instances, image=image)

    def migrate_server(self, ctxt: RequestContext, instance: Instance, flavor: Flavor,
                       migration: Optional[Migration] = None, host_list: Optional[list] = None,
                       target_host: Optional[str] = None) -> None:
        """Resize (a new flavor) or cold-migrate (the same flavor) ``instance``.
        ``migration`` and ``host_list`` come with a reschedule from a failed destination."""
        cctxt = self.client.prepare(version='1.1')
        cctxt.cast(ctxt, 'migrate_server', instance=instance, flavor=flavor,
                   migration=migration, host_list=host_list, target_host=target_host)

    def live_migrate_instance(self, ctxt: RequestContext, instance: Instance, migration: Migration,
                              wait: bool = False) -> Any:
        """Live-migrate ``instance``: what was asked (host, block migration, force) is
        on the instance's record, the accepted ``migration`` names it. ``wait``: a call
        that returns once the destination is chosen and checked, with the reason it
        could not start (None when it did), as the API answers before 2.34."""
        cctxt = self.client.prepare(version='1.3')
        if wait:
            return cctxt.call(ctxt, 'live_migrate_instance', instance=instance,
                              migration=migration)
        cctxt.cast(ctxt, 'live_migrate_instance', instance=instance, migration=migration)
        return None

    def can_cast_heartbeats(self) -> bool:
        return self.client.can_send_version('1.8')

    def service_heartbeat(self, ctxt: RequestContext, service_id: int) -> None:
        """Tell a conductor that service ``service_id`` is alive, now (a cast: nothing
        waits for it, and the conductor writes many in one transaction)."""
        # Not retried for long: with the broker down, the next heartbeat tries again.
        cctxt = self.client.prepare(version='1.8', retry=1)
        cctxt.cast(ctxt, 'service_heartbeat', service_id=service_id,
                   sent_at=timeutils.utcnow().isoformat())

    def unshelve_instance(self, ctxt: RequestContext, instance: Instance) -> None:
        """Schedule a shelved-offloaded ``instance`` again (its zone, and a host asked
        for, are on its record) and have it spawned there."""
        cctxt = self.client.prepare(version='1.4')
        cctxt.cast(ctxt, 'unshelve_instance', instance=instance)

    # The three methods below make this client the object indirection API of compute
    # processes: remotable object methods run in the conductor.
    def _object_calls(self) -> Any:
        return self.client.prepare(version='1.0', timeout=rpc.current_reply_timeout())

    def object_class_action_versions(self, ctxt: RequestContext, objname: str, objmethod: str,
                                     object_versions: dict, args: tuple,
                                     kwargs: dict) -> Any:
        cctxt = self._object_calls()
        return cctxt.call(ctxt, 'object_class_action_versions', objname=objname,
                          objmethod=objmethod, object_versions=object_versions,
                          args=args, kwargs=kwargs)

    def object_action(self, ctxt: RequestContext, objinst: NimbusObject, objmethod: str,
                      args: tuple, kwargs: dict) -> Any:
        cctxt = self._object_calls()
        return cctxt.call(ctxt, 'object_action', objinst=objinst, objmethod=objmethod,
                          args=args, kwargs=kwargs)

    def object_backport_versions(self, ctxt: RequestContext, objinst: NimbusObject,
                                 object_versions: dict) -> Any:
        cctxt = self._object_calls()
        return cctxt.call(ctxt, 'object_backport_versions', objinst=objinst,
                          object_versions=object_versions)
