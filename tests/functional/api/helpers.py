"""Helpers of the API functional tests: Tempest's response schemas, images, servers."""
import contextlib
import importlib
import os

import jsonschema
import sqlalchemy as sa
from sqlalchemy import orm
from tempest.lib.api_schema.response import compute as tempest_compute
from tempest.lib.common import jsonschema_validator

from svc_common.conf import CONF

# Directories, not packages: some (v2_84) have no __init__.py.
_DIRS = sorted((tuple(int(x) for x in name[1:].split('_')), name)
               for path in tempest_compute.__path__ for name in os.listdir(path)
               if name.startswith('v2_') and os.path.isdir(os.path.join(path, name)))


def tempest_schema(version, module, name):
    """Tempest's schema ``name`` of ``module`` as it stands at microversion ``version``:
    from the newest schema directory not newer than the version that has the module."""
    wanted = tuple(int(x) for x in version.split('.'))
    for number, dirname in reversed(_DIRS):
        if number > wanted:
            continue
        try:
            mod = importlib.import_module('%s.%s.%s' % (tempest_compute.__name__, dirname,
                                                        module))
        except ImportError:
            continue
        if hasattr(mod, name):
            return getattr(mod, name)
    raise LookupError('no tempest schema %s.%s at %s' % (module, name, version))


def validate(resp, version, module, name):
    """Assert that ``resp`` is what Tempest accepts for ``module.name`` at ``version``."""
    schema = tempest_schema(version, module, name)
    assert resp.status_int in schema['status_code'], (resp.status_int, resp.body[:500])
    body_schema = schema.get('response_body')
    if body_schema:
        jsonschema.validate(resp.json_body_or_none, body_schema,
                            cls=jsonschema_validator.JSONSCHEMA_VALIDATOR,
                            format_checker=jsonschema_validator.FORMAT_CHECKER)
    return resp.json_body_or_none


IMAGE_DATA = b'\0' * 1024 * 64


def create_image(cloud, name='cirros', data=IMAGE_DATA, project='demo', roles='member',
                 **props):
    body = dict({'name': name, 'disk_format': 'raw', 'container_format': 'bare'}, **props)
    resp = cloud.request('POST', '/image/v2/images', body, project=project, roles=roles)
    assert resp.status_int == 201, resp.body
    image = resp.json_body_or_none
    if data is not None:
        resp = cloud.request('PUT', '/image/v2/images/%s/file' % image['id'], raw=data,
                             headers={'Content-Type': 'application/octet-stream'},
                             project=project, roles=roles)
        assert resp.status_int == 204, resp.body
    return image


def active_server(cloud):
    """The id of a new ACTIVE server of the demo project, on a new public image."""
    image = create_image(cloud, project='admin', roles='admin', visibility='public')
    server_id = boot(cloud, image['id'])['server']['id']
    cloud.wait_for_server(server_id, 'ACTIVE')
    return server_id


def boot(cloud, image_id, name='vm', flavor='1', project='demo', version=None,
         expect=202, **extra):
    server = dict({'name': name, 'flavorRef': flavor, 'imageRef': image_id,
                   'networks': 'none'}, **extra)
    resp = cloud.request('POST', '/v2.1/servers', {'server': server}, project=project,
                         version=version or '2.37')
    assert resp.status_int == expect, resp.body
    return resp.json_body_or_none


def server_host(cloud, server_id):
    """The host of a server as an admin sees it (None before one is chosen)."""
    return cloud.admin('GET', '/v2.1/servers/%s' % server_id).json_body_or_none[
        'server']['OS-EXT-SRV-ATTR:host']


@contextlib.contextmanager
def stacking():
    """Weighers that put every server on the fullest host: unhinted, all share one."""
    names = ('ram_weight_multiplier', 'cpu_weight_multiplier')
    for name in names:
        CONF.set_override(name, -1.0, group='scheduler')
    try:
        yield
    finally:
        for name in names:
            CONF.clear_override(name, group='scheduler')


def fault(resp):
    """(code, message) of a Compute error body."""
    body = resp.json_body_or_none
    assert body and len(body) == 1, resp.body
    inner = next(iter(body.values()))
    return inner['code'], inner['message']


@contextlib.contextmanager
def rows_loaded(model):
    """Counts the rows of ``model``'s table that reads through an ORM session fetch
    meanwhile, as objects or as plain rows."""
    counter = {'rows': 0}
    table = model.__table__

    def count(state):
        if not state.is_select or table not in state.statement.get_final_froms():
            return None
        fetched = state.invoke_statement().freeze()
        counter['rows'] += len(fetched.data)
        return fetched()
    sa.event.listen(orm.Session, 'do_orm_execute', count)
    try:
        yield counter
    finally:
        sa.event.remove(orm.Session, 'do_orm_execute', count)
