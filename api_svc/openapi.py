"""The OpenAPI 3.1 document of both APIs, built from what the API itself runs on: the
route tables (api_svc/routes.py) and the request bodies handlers declare with
``@validation.body`` -- the schemas they validate with, at the request's microversion.
Action routes (a body naming one of several actions) document each registered action's
body; a new route or action is in the document as soon as it is in a table.

Served at GET /v2.1/openapi.json (api_svc/app.py); the fuzz test (tests/functional/api/test_fuzz.py)
generates requests from it.
"""
import re

from api_svc import validation

_PARAM = re.compile(r'\{(\w+)\}')
_BODY_METHODS = frozenset({'POST', 'PUT', 'PATCH'})


def document(tables, version, server_url='/'):
    """``tables``: (path prefix, tag, route table) of each API."""
    paths = {}
    for prefix, tag, table in tables:
        for path, methods in table.items():
            item = {}
            for method, handler in methods.items():
                item[method.lower()] = _operation(tag, prefix + path, method, handler,
                                                  version)
            paths[prefix + path] = item
    return {
        'openapi': '3.1.0',
        'info': {'title': 'Nimbus Compute and image APIs',
                 'version': str(version),
                 'description': 'Request bodies as validated at compute microversion %s '
                                '(send OpenStack-API-Version: compute %s).'
                                % (version, version)},
        'servers': [{'url': server_url}],
        'paths': paths,
    }


def body_declaration(handler):
    """(schema or None, content type) a route handler declares, or None when it declares
    nothing. An action dispatcher's schema is one of its actions' bodies."""
    actions = getattr(handler, 'actions', None)
    if actions is not None:
        return {'actions': actions}, validation.JSON
    if not hasattr(handler, 'body_schema'):
        return None
    return handler.body_schema, handler.body_content_type


def _operation(tag, path, method, handler, version):
    name = '%s_%s' % (method.lower(), re.sub(r'[^a-zA-Z0-9]+', '_', path).strip('_'))
    operation = {
        'operationId': name, 'tags': [tag],
        'parameters': [{'name': param, 'in': 'path', 'required': True,
                        'schema': {'type': 'string'}} for param in _PARAM.findall(path)],
        'responses': {'default': {'description': 'The answer; errors are in the format '
                                                 'of the API (Compute fault or Glance)'}},
    }
    declared = body_declaration(handler) if method in _BODY_METHODS else None
    if declared is not None:
        schema, content_type = declared
        if isinstance(schema, dict) and 'actions' in schema:
            schema = {'oneOf': [convert(validation.schema_at(h.body_schema, version))
                                for h in schema['actions'].values()]}
        else:
            schema = convert(validation.schema_at(schema, version))
        if schema is not None:
            operation['requestBody'] = {'required': True,
                                        'content': {content_type: {'schema': schema}}}
    return operation


def convert(schema):
    """A Draft 4 schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect): boolean
    exclusiveMinimum/Maximum become numbers."""
    if isinstance(schema, list):
        return [convert(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: convert(value) for key, value in schema.items() if key != '$schema'}
    for bound, exclusive in (('minimum', 'exclusiveMinimum'), ('maximum', 'exclusiveMaximum')):
        if result.get(exclusive) is True and bound in result:
            result[exclusive] = result.pop(bound)
        elif result.get(exclusive) is False:
            del result[exclusive]
    return result
