"""The integration tier: real processes over RabbitMQ, PostgreSQL and MariaDB."""
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if 'tests/integration/' in item.nodeid:
            item.add_marker(pytest.mark.integration)
