"""The integration tier: real processes over RabbitMQ, PostgreSQL and MariaDB."""
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


def pytest_collection_modifyitems(items):
    for item in items:
        if 'tests/integration/' in item.nodeid:
            item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter):
    """Reports the integration tests left (the crash matrix, outage records)."""
    for title, text in deployment_mod.REPORTS:
        terminalreporter.write_sep('=', title)
        for line in text.splitlines():
            terminalreporter.write_line(line)
