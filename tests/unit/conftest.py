import pytest

import migrations
from svc_common import context as nimbus_context
from svc_common.db import api as db_api
from svc_common import objects

objects.register_all()


@pytest.fixture
def ctx(tmp_path):
    """An admin context over a fresh, migrated SQLite database."""
    url = 'sqlite:///%s/unit.sqlite' % tmp_path
    migrations.upgrade(url)
    db_api.use_database(url, synchronous=False)  # a throwaway database: no fsync
    return nimbus_context.get_admin_context()


@pytest.fixture
def flavor(ctx):
    f = objects.Flavor(context=ctx, flavorid='1', name='m1.tiny', vcpus=1, memory_mb=512,
                       root_gb=1)
    f.create()
    return f
