"""The hostile-input checks of the functional tier on PostgreSQL and MariaDB, whose
behaviour differs from SQLite's where it matters here: NUL in text (PostgreSQL refuses
it), integer ranges (both refuse what does not fit a column), string lengths (both
refuse over-long values) -- each must be a 400 before the database sees it."""
import pytest

from nimbus_cmd import all_in_one
from svc_common.conf import CONF
from tests.functional.api import test_hostile_inputs as checks
from tests.functional.api import test_image_isolation as image_checks
from tests.functional import conftest as functional
from tests.integration import deployment


@pytest.fixture(params=('postgresql', 'mysql'))
def cloud(request, tmp_path):
    db = deployment.ScratchDatabase(request.param, tmp_path)
    CONF.set_override('state_path', str(tmp_path))
    CONF.set_override('connection', db.url, group='database')
    CONF.set_override('auth_strategy', 'noauth', group='api')
    CONF.set_override('transport_url', 'fake://')
    aio = all_in_one.AllInOne(compute_hosts=['host1'], with_api_server=False)
    try:
        aio.start()
        yield functional.Cloud(aio)
    finally:
        aio.stop()
        for name in ('state_path', 'transport_url'):
            CONF.clear_override(name)
        CONF.clear_override('connection', group='database')
        CONF.clear_override('auth_strategy', group='api')
        db.drop()


@pytest.mark.parametrize('check', [
    checks.test_hostile_values_are_400s_in_the_api_format,
    checks.test_nul_characters_are_refused_everywhere,
    checks.test_names_are_printable_text,
    checks.test_lone_surrogates_in_a_body_are_a_400,
    image_checks.test_property_and_tag_limits_on_create_and_patch,
    image_checks.test_the_owner_cannot_become_null_and_ids_end_where_they_end,
], ids=lambda check: check.__name__)
def test_hostile_input_on_the_backend(cloud, check):
    check(cloud)
