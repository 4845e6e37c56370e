"""Property-based fuzzing of every operation of the OpenAPI document the API serves
(schemathesis over hypothesis), against the API's real HTTP server: valid and invalid
bodies, and path values (the seeds' or random), as an admin at the latest
microversion. No answer may be a 5xx, take longer than a few seconds, or be an error
outside the API's error format. Bounded in time; the totals are printed."""
import json
import time

import hypothesis
from hypothesis import strategies as st
import requests
import schemathesis
from schemathesis import GenerationMode

from tests.functional.api import helpers
from tests.functional.api import test_http_server_limits as server_helpers

BUDGET_SECONDS = 60
EXAMPLES = 8  # per operation and generation mode, while the budget lasts
TIMEOUT = 10


@schemathesis.serializer('application/openstack-images-v2.1-json-patch')
def _json_patch(ctx, value):
    return {'data': json.dumps(value if isinstance(value, (dict, list, str, int, float,
                                                            bool, type(None)))
                               else str(value)).encode()}


HEADERS = {'X-Auth-Token': 'fuzzer:fuzz:admin,member',
           'OpenStack-API-Version': 'compute latest'}


def _problem(case, resp):
    """What is wrong with an answer, or None."""
    if resp.status_code >= 500:
        return '%s: %s' % (resp.status_code, resp.text[:200])
    if resp.status_code < 400 or not case.path.startswith('/v2.1'):
        return None
    try:
        body = resp.json()
        (inner,) = body.values()
        if inner['code'] != resp.status_code or not isinstance(inner['message'], str):
            return 'error body %r' % (body,)
    except Exception:
        return 'error not in the Compute format: %r' % resp.text[:200]
    return None


def _seeds(cloud):
    image = helpers.create_image(cloud, project='fuzz', roles='admin,member')
    server = helpers.boot(cloud, image['id'], project='fuzz')['server']
    cloud.wait_for_server(server['id'], 'ACTIVE', project='fuzz')
    return {'server_id': server['id'], 'image_id': image['id'], 'flavor_id': '1',
            'project_id': 'fuzz', 'tenant_id': 'fuzz', 'host_name': 'host1',
            'quota_class': 'default'}


def _can_be_invalid(operation):
    """Whether schemathesis' negative mode can make a request of ``operation`` invalid:
    it has a body, query or header parameters, or a path parameter whose schema allows
    less than any string. Without any (a GET or DELETE by path values), it draws
    hundreds of cases before it gives up (hypothesis' Unsatisfiable), for no request:
    that was three quarters of this test's time."""
    if any(True for _ in operation.body) or any(True for _ in operation.query) or \
            any(True for _ in operation.headers):
        return True
    return any(p.definition.get('schema') != {'type': 'string'}
               for p in operation.path_parameters)


def test_fuzz_every_operation(cloud):  # noqa: C901
    seeds = _seeds(cloud)
    totals = {'operations': 0, 'requests': 0, 'problems': []}
    statuses = {}
    with server_helpers.serving(cloud.app) as port:
        base = 'http://127.0.0.1:%d' % port
        doc = requests.get(base + '/v2.1/openapi.json', headers=HEADERS, timeout=30)
        assert doc.status_code == 200
        schema = schemathesis.openapi.from_dict(doc.json())
        session = requests.Session()
        deadline = time.monotonic() + BUDGET_SECONDS
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:
            modes = ((GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                     if _can_be_invalid(operation) else (GenerationMode.POSITIVE,))
            for mode in modes:
                if time.monotonic() > deadline:
                    break
                totals['operations'] += 1

                @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                                     derandomize=True, phases=[hypothesis.Phase.generate],
                                     suppress_health_check=list(hypothesis.HealthCheck))
                @hypothesis.given(case=operation.as_strategy(generation_mode=mode),
                                  real=st.booleans())
                def run(case, real):
                    if real and case.path_parameters:
                        for name in case.path_parameters:
                            if name in seeds:
                                case.path_parameters[name] = seeds[name]
                    started = time.monotonic()
                    try:
                        resp = case.call(base_url=base, session=session, headers=HEADERS,
                                         timeout=TIMEOUT)
                    except requests.RequestException as error:
                        totals['problems'].append((case.method, case.formatted_path,
                                                   'no answer: %s' % error))
                        return
                    totals['requests'] += 1
                    statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
                    problem = _problem(case, resp)
                    if problem is None and time.monotonic() - started > TIMEOUT / 2:
                        problem = 'took %.1fs' % (time.monotonic() - started)
                    if problem:
                        totals['problems'].append((case.method, case.formatted_path,
                                                   problem))

                try:
                    run()
                except hypothesis.errors.Unsatisfiable:
                    pass  # nothing of it can be made invalid (an image file's bytes)
    print('\nfuzz: %d operations, %d requests, %d problems; statuses %s'
          % (totals['operations'], totals['requests'], len(totals['problems']),
             dict(sorted(statuses.items()))))
    for problem in totals['problems'][:20]:
        print('  ', problem)
    assert totals['requests'] > 100
    assert not totals['problems']
