"""Hooks for the tiers that run whole deployments (tests/integration, tests/libvirt)."""
import pytest

from tests.integration import deployment as deployment_mod


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows the tail of every service log of its deployment."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for value in getattr(item, 'funcargs', {}).values():
        if isinstance(value, deployment_mod.Deployment):
            report.sections.append(('nimbus service logs', value.log_tails()))


def pytest_sessionfinish(session):
    """In an xdist worker: hand the reports to the controller, which prints them."""
    output = getattr(session.config, 'workeroutput', None)
    if output is not None:
        output['nimbus_reports'] = list(deployment_mod.REPORTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    deployment_mod.REPORTS.extend(
        tuple(r) for r in getattr(node, 'workeroutput', {}).get('nimbus_reports', []))


def pytest_terminal_summary(terminalreporter):
    """Reports the tests left (the crash matrices, outage records)."""
    if hasattr(terminalreporter.config, 'workeroutput'):
        return  # a worker: the controller prints them
    for title, text in deployment_mod.REPORTS:
        terminalreporter.write_sep('=', title)
        for line in text.splitlines():
            terminalreporter.write_line(line)
