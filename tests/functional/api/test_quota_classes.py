"""os-quota-class-sets: the 'default' class is every project's default quotas."""
import pytest

from tests.functional.api import helpers

CLASSES = '/v2.1/os-quota-class-sets/'


@pytest.mark.parametrize('version, shown, hidden', [
    ('2.1', ['floating_ips', 'injected_files'], ['server_groups', 'networks']),
    ('2.50', ['server_groups', 'injected_files'], ['floating_ips', 'security_groups']),
    ('2.57', ['server_groups'], ['injected_files', 'fixed_ips']),
])
def test_show_and_update_at_each_microversion(cloud, version, shown, hidden):
    resp = cloud.admin('GET', CLASSES + 'default', version=version)
    body = helpers.validate(resp, version, 'quota_classes', 'get_quota_class_set')[
        'quota_class_set']
    assert body.pop('id') == 'default' and body['instances'] == 10
    assert set(shown) <= set(body) and not set(hidden) & set(body)
    changed = {name: value + 100 for name, value in body.items()}
    resp = cloud.admin('PUT', CLASSES + 'default', {'quota_class_set': changed},
                       version=version)
    assert helpers.validate(resp, version, 'quota_classes', 'update_quota_class_set')[
        'quota_class_set'] == changed
    assert cloud.admin('PUT', CLASSES + 'default', {'quota_class_set': {hidden[0]: 1}},
                       version=version).status_int == 400


def test_default_class_is_the_default_quotas(cloud):
    image = helpers.create_image(cloud)
    resp = cloud.admin('PUT', CLASSES + 'default', {'quota_class_set': {'instances': 1}})
    assert resp.status_int == 200, resp.body
    for path in ('/v2.1/os-quota-sets/demo', '/v2.1/os-quota-sets/demo/defaults'):
        assert cloud.request('GET', path).json_body_or_none['quota_set']['instances'] == 1
    helpers.boot(cloud, image['id'])
    resp = cloud.request('POST', '/v2.1/servers', {'server': {
        'name': 'two', 'flavorRef': '1', 'imageRef': image['id'], 'networks': 'none'}},
        version='2.37')
    assert resp.status_int == 403, resp.body
    # A project's own limit still wins; another class changes nothing.
    cloud.admin('PUT', '/v2.1/os-quota-sets/demo', {'quota_set': {'instances': 3}})
    cloud.admin('PUT', CLASSES + 'gold', {'quota_class_set': {'instances': 50}})
    assert cloud.request('GET', '/v2.1/os-quota-sets/demo').json_body_or_none[
        'quota_set']['instances'] == 3
    assert cloud.admin('GET', '/v2.1/os-quota-sets/other').json_body_or_none[
        'quota_set']['instances'] == 1
    assert cloud.admin('GET', CLASSES + 'gold').json_body_or_none['quota_class_set'][
        'instances'] == 50


def test_admin_only_and_bad_input(cloud):
    assert cloud.request('GET', CLASSES + 'default').status_int == 403
    assert cloud.request('PUT', CLASSES + 'default',
                         {'quota_class_set': {'cores': 1}}).status_int == 403
    for body in ({'quota_class_set': {'cores': -2}}, {'quota_class_set': {'bogus': 1}},
                 {'quota_class_set': {'cores': 'many'}}, {}):
        assert cloud.admin('PUT', CLASSES + 'default', body).status_int == 400
    assert cloud.admin('GET', CLASSES + 'x' * 256).status_int == 400
