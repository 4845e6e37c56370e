"""os-quota-sets and limits."""
import pytest

from tests.functional.api import helpers


@pytest.mark.parametrize('version', ['2.1', '2.36', '2.57', '2.96'])
def test_quota_bodies_match_tempest_schemas(cloud, version):
    base = '/v2.1/os-quota-sets/demo'
    resp = cloud.request('GET', base, version=version)
    body = helpers.validate(resp, version, 'quotas', 'get_quota_set')['quota_set']
    assert (body['id'], body['instances'], body['cores'], body['ram']) == (
        'demo', 10, 20, 51200)
    helpers.validate(cloud.request('GET', base + '/defaults', version=version), version,
                     'quotas', 'get_quota_set')
    helpers.validate(cloud.request('GET', base + '/detail', version=version), version,
                     'quotas', 'get_quota_set_details')
    resp = cloud.admin('PUT', base, {'quota_set': {'instances': 5}}, version=version)
    assert helpers.validate(resp, version, 'quotas', 'update_quota_set')['quota_set'][
        'instances'] == 5
    helpers.validate(cloud.admin('DELETE', base, version=version), version, 'quotas',
                     'delete_quota')
    assert cloud.request('GET', base).json_body_or_none['quota_set']['instances'] == 10


def test_quota_update_rules(cloud):
    base = '/v2.1/os-quota-sets/demo'
    assert cloud.request('PUT', base, {'quota_set': {'cores': 1}}).status_int == 403
    assert cloud.request('GET', '/v2.1/os-quota-sets/other').status_int == 403
    assert cloud.admin('GET', '/v2.1/os-quota-sets/other').status_int == 200
    assert cloud.admin('PUT', base, {'quota_set': {'cores': -2}}).status_int == 400
    assert cloud.admin('PUT', base, {'quota_set': {'bogus': 1}}).status_int == 400
    assert cloud.admin('PUT', base, {'quota_set': {'floating_ips': 1}},
                       version='2.36').status_int == 400
    assert cloud.admin('PUT', base, {'quota_set': {'injected_files': 1}},
                       version='2.57').status_int == 400
    assert cloud.admin('PUT', base, {'quota_set': {'cores': -1}}).status_int == 200
    image = helpers.create_image(cloud)
    helpers.boot(cloud, image['id'], flavor='3')  # 2 vcpus
    resp = cloud.admin('PUT', base, {'quota_set': {'cores': 1}})
    assert resp.status_int == 400
    assert 'already used and reserved 2' in helpers.fault(resp)[1]
    resp = cloud.admin('PUT', base, {'quota_set': {'cores': 1, 'force': True}})
    assert resp.status_int == 200
    detail = cloud.request('GET', base + '/detail').json_body_or_none['quota_set']
    assert detail['cores'] == {'limit': 1, 'in_use': 2, 'reserved': 0}
    assert detail['instances']['in_use'] == 1


@pytest.mark.parametrize('version', ['2.1', '2.36', '2.39', '2.57', '2.96'])
def test_limits(cloud, version):
    image = helpers.create_image(cloud)
    helpers.boot(cloud, image['id'], flavor='2')
    resp = cloud.request('GET', '/v2.1/limits', version=version)
    absolute = helpers.validate(resp, version, 'limits', 'get_limit')['limits']['absolute']
    assert (absolute['maxTotalInstances'], absolute['totalInstancesUsed'],
            absolute['totalCoresUsed'], absolute['totalRAMUsed']) == (10, 1, 1, 2048)
    assert ('maxPersonality' in absolute) == (version < '2.57')
    assert cloud.request('GET', '/v2.1/limits?tenant_id=other').status_int == 403
    other = cloud.admin('GET', '/v2.1/limits?tenant_id=demo').json_body_or_none
    assert other['limits']['absolute']['totalInstancesUsed'] == 1
