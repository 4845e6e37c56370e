"""Guest's start and destroy against a domain that libvirtd is still stopping on its own
(the guest powered off: "shutdown" until QEMU is reaped)."""
import pytest

pytest.importorskip('libvirt', reason='libvirt-python missing: run tools/install-libvirt')

import libvirt  # noqa: E402

from compute_svc.virt.libvirt import guest as guest_mod  # noqa: E402

SHUTDOWN, SHUTOFF = libvirt.VIR_DOMAIN_SHUTDOWN, libvirt.VIR_DOMAIN_SHUTOFF


class NotRunning(libvirt.libvirtError):

    def get_error_code(self):
        return libvirt.VIR_ERR_OPERATION_INVALID


class StoppingDomain:
    """A domain libvirtd reports "shutdown" for ``polls`` state reads, then shut off;
    ``calls`` records what was asked of it in which state."""

    def __init__(self, polls):
        self.polls = polls
        self.calls = []

    def state(self):
        if self.polls:
            self.polls -= 1
            return [SHUTDOWN, libvirt.VIR_DOMAIN_SHUTDOWN_UNKNOWN]
        return [SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN]

    def isActive(self):
        return self.state()[0] != SHUTOFF

    def create(self):
        self.calls.append(('create', self.polls))

    def destroy(self):
        self.calls.append(('destroy', self.polls))
        if not self.polls:
            raise NotRunning('domain is not running')


@pytest.fixture
def quick_polls(monkeypatch):
    monkeypatch.setattr(guest_mod, '_SETTLE_POLL', 0.001, raising=False)


def test_start_waits_for_libvirtd_to_finish_stopping_then_starts(quick_polls):
    domain = StoppingDomain(polls=5)
    guest_mod.Guest(domain).start()
    assert domain.calls == [('create', 0)]


def test_destroy_leaves_a_domain_libvirtd_stopped_by_itself(quick_polls):
    domain = StoppingDomain(polls=5)
    guest_mod.Guest(domain).destroy()  # libvirtd's "not running" is no error here
    assert domain.calls == [('destroy', 0)]


def test_a_domain_libvirtd_never_finishes_stopping_is_destroyed_after_the_wait(
        quick_polls, monkeypatch):
    monkeypatch.setattr(guest_mod, 'SETTLE_TIMEOUT', 0.05, raising=False)
    domain = StoppingDomain(polls=10 ** 9)
    guest_mod.Guest(domain).destroy()
    assert [call for call, _polls in domain.calls] == ['destroy']
