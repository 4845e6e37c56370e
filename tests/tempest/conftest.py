"""The Tempest tier: Tempest against Nimbus behind a private Keystone."""


def pytest_configure(config):
    config.addinivalue_line('markers', 'tempest: runs Tempest against a Nimbus deployment')
