"""The OpenAPI document comes from the route tables and the bodies handlers declare."""
import pytest

from api_svc import microversions
from api_svc import openapi
from api_svc import routes
from api_svc import validation

_TABLES = (('/v2.1', routes.COMPUTE_ROUTES), ('/image', routes.IMAGE_ROUTES))
_DOCUMENTED = (('/v2.1', 'compute', routes.COMPUTE_ROUTES),
               ('/image', 'image', routes.IMAGE_ROUTES))


def _body_routes():
    for prefix, table in _TABLES:
        for path, methods in table.items():
            for method, handler in methods.items():
                if method in ('POST', 'PUT', 'PATCH'):
                    yield prefix + path, method, handler


@pytest.mark.parametrize('path, method, handler', list(_body_routes()),
                         ids=lambda value: value if isinstance(value, str) else '')
def test_every_route_with_a_body_declares_it(path, method, handler):
    declared = openapi.body_declaration(handler)
    assert declared is not None, (
        '%s %s: declare its body with @validation.body(schema) (None for none)'
        % (method, path))
    for name, action in getattr(handler, 'actions', {}).items():
        assert hasattr(action, 'body_schema'), '%s action %s declares no body' % (path,
                                                                                   name)


def test_the_document_has_every_route_and_action_body():
    doc = openapi.document(_DOCUMENTED, microversions.MAX_VERSION)
    count = sum(len(table) for _, table in _TABLES)
    assert len(doc['paths']) == count
    action = doc['paths']['/v2.1/servers/{server_id}/action']['post']
    bodies = action['requestBody']['content']['application/json']['schema']['oneOf']
    from api_svc.handlers import server_actions
    assert len(bodies) == len(server_actions.ACTIONS)
    names = {next(iter(body['properties'])) for body in bodies}
    assert names == set(server_actions.ACTIONS)
    create = doc['paths']['/v2.1/servers']['post']
    assert create['requestBody']['content']['application/json']['schema'] == \
        openapi.convert(validation.schema_at(
            routes.COMPUTE_ROUTES['/servers']['POST'].body_schema,
            microversions.MAX_VERSION))
    assert doc['paths']['/v2.1/servers/{server_id}']['get']['parameters'][0]['name'] == \
        'server_id'


def test_bodies_are_those_of_the_microversion():
    def hostname(version):
        doc = openapi.document(_DOCUMENTED, microversions.parse(version))
        body = doc['paths']['/v2.1/servers']['post']['requestBody']
        server = body['content']['application/json']['schema']['properties']['server']
        return server['properties'].get('hostname')

    assert hostname('2.89') is None
    assert hostname('2.90')['maxLength'] == 63
    assert hostname('2.94')['maxLength'] == 255


def test_draft4_becomes_2020_12():
    assert openapi.convert({'type': 'number', 'minimum': 0, 'exclusiveMinimum': True}) == \
        {'type': 'number', 'exclusiveMinimum': 0}
    assert openapi.convert({'minimum': 1, 'exclusiveMinimum': False}) == {'minimum': 1}
