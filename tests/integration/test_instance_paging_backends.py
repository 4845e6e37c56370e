"""Server lists page in SQL alike on PostgreSQL and MariaDB (NULL ordering, ties within
a second, booleans): the checks of tests/unit/test_instance_paging.py, on each."""
import pytest

import migrations
from svc_common import context as nimbus_context
from svc_common.db import api as db_api
from tests.integration import deployment
from tests.unit import test_instance_paging as checks


@pytest.fixture(params=('postgresql', 'mysql'))
def ctx(request, tmp_path):
    db = deployment.ScratchDatabase(request.param, tmp_path)
    try:
        migrations.upgrade(db.url)
        factory = db_api.use_database(db.url)
        yield nimbus_context.get_admin_context()
        factory.dispose_pool()
    finally:
        db.drop()


def test_pages_match_one_query_and_python(ctx):
    checks.check_pages_match_one_query_and_python(ctx)


def test_marker_must_pass_the_filters(ctx):
    checks.check_marker_must_pass_the_filters(ctx)
