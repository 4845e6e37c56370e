"""Fakes the composition root takes instead of the real thing (``AllInOne(bus=...,
scheduler=...)``), for the lost-cast and duplicate-delivery tests."""
from conductor_svc.scheduler import manager as scheduler_mod
from svc_common import objects
from svc_common import rpc


class FaultyBus(rpc.Bus):
    """The in-process transport, but the next cast of a method named to ``lose`` goes
    nowhere (a broker restart, a crash after the message was taken), and the next one
    named to ``duplicate`` is delivered twice. Calls (with replies) pass unchanged."""

    def __init__(self):
        self.lost = []        # methods whose casts were dropped, in order
        self.lost_casts = []  # (method, server it was for, its arguments)
        self.duplicated = []  # methods whose casts were sent twice
        self.calls = []       # methods called (with a reply), in order
        self._to_lose = {}    # method -> casts still to drop (None: every one)
        self._to_duplicate = []

    def lose(self, method, times=1, to_host=False):
        """Drop the next ``times`` casts of ``method`` (None: all of them); with
        ``to_host`` only those to a compute host (not to the conductor's topic)."""
        self._to_lose[method] = (times, to_host)

    def duplicate(self, method):
        self._to_duplicate.append(method)

    def get_client(self, target, version_cap=None):
        return _FaultyClient(self, super().get_client(target, version_cap=version_cap))

    def _dropped(self, method, server):
        if method not in self._to_lose:
            return False
        left, to_host = self._to_lose[method]
        if to_host and server is None:
            return False
        if left is not None:
            if left <= 1:
                del self._to_lose[method]
            else:
                self._to_lose[method] = (left - 1, to_host)
        return True

    def _cast(self, client, server, ctxt, method, kwargs):
        if self._dropped(method, server):
            self.lost.append(method)
            self.lost_casts.append((method, server, kwargs))
            return
        client.cast(ctxt, method, **kwargs)
        if method in self._to_duplicate:
            self._to_duplicate.remove(method)
            self.duplicated.append(method)
            client.cast(ctxt, method, **kwargs)


class _FaultyClient:
    def __init__(self, bus, client, server=None):
        self._bus = bus
        self._client = client
        self._server = server

    def prepare(self, **kwargs):
        return _FaultyClient(self._bus, self._client.prepare(**kwargs),
                             kwargs.get('server', self._server))

    def cast(self, ctxt, method, **kwargs):
        self._bus._cast(self._client, self._server, ctxt, method, kwargs)

    def can_send_version(self, version):
        return self._client.can_send_version(version)

    def call(self, ctxt, method, **kwargs):
        self._bus.calls.append((method, kwargs.get('objmethod')))
        return self._client.call(ctxt, method, **kwargs)


class ClaimingOn:
    """A scheduler that claims on ``host`` at once (one transaction of its own)."""

    def __init__(self, ctx, host):
        self.node = objects.ComputeNode.get_by_host_and_nodename(ctx, host, host)

    def select_and_claim(self, context, consumer_uuid, request):
        objects.ResourceClaim.claim(context, consumer_uuid, self.node.id, request.resources)
        return scheduler_mod.Selection(self.node.host, self.node.hypervisor_hostname,
                                       self.node.id, [])


class RecordingScheduler(scheduler_mod.Scheduler):
    """The configured scheduler, recording each select_and_claim (consumer, request)."""

    def __init__(self):
        super().__init__()
        self.selections = []

    def select_and_claim(self, context, consumer_uuid, request):
        self.selections.append((consumer_uuid, request))
        return super().select_and_claim(context, consumer_uuid, request)
