import collections

import pytest

from api_svc import compute_api
from api_svc import microversions
from api_svc import policies
from api_svc import quota
from api_svc.schemas import servers as server_schemas
from api_svc import validation
from svc_common import exception


def _create(version, **server):
    body = {'server': dict({'name': 'vm', 'flavorRef': '1', 'imageRef': 'i'}, **server)}
    return validation.validate(server_schemas.create(microversions.parse(version)), body)


def test_create_schema_follows_microversions():
    _create('2.19', description='d')
    with pytest.raises(exception.ValidationError, match='description'):
        _create('2.18', description='d')
    _create('2.37', networks='none')
    with pytest.raises(exception.ValidationError):
        _create('2.36', networks='none')
    _create('2.52', tags=['a'])
    with pytest.raises(exception.ValidationError):
        _create('2.57', personality=[])


def test_a_schema_function_is_made_once_per_version():
    made = []

    def schema(version):
        made.append(version)
        return {'type': 'object'}
    older, newer = microversions.parse('2.1'), microversions.parse('2.90')
    assert validation.schema_at(schema, older) is validation.schema_at(schema, older)
    validation.schema_at(schema, newer)
    assert made == [older, newer]
    assert validation.schema_at(server_schemas.create, newer) == server_schemas.create(newer)


def test_validation_message_names_the_field():
    with pytest.raises(exception.ValidationError) as info:
        _create('2.1', min_count='zero')
    assert info.value.message.startswith('Invalid input for field/attribute server/min_count')
    assert info.value.code == 400


def test_validation_message_names_the_field_inside_a_oneof():
    with pytest.raises(exception.ValidationError) as info:
        _create('2.37', networks='bogus')
    assert info.value.message.startswith('Invalid input for field/attribute server/networks')


UUID = '6f1b3d5e-2c4a-4e8b-9d7f-0a1b2c3d4e5f'


def _hints(hints, key='os:scheduler_hints'):
    body = {'server': {'name': 'vm', 'flavorRef': '1'}, key: hints}
    return validation.validate(server_schemas.create(microversions.parse('2.1')), body)


def test_server_hints_name_servers_by_uuid():
    """same_host and different_host take a UUID or a list of them, group one UUID;
    other hints are free-form."""
    for key in ('os:scheduler_hints', 'OS-SCH-HNT:scheduler_hints'):
        for hints in ({'same_host': UUID}, {'same_host': []},
                      {'different_host': [UUID, UUID.replace('-', '')]},
                      {'group': UUID, 'query': ['>=', '$free_ram_mb', 1]}):
            _hints(hints, key)
    for hints, field in (
            ({'same_host': 'not-a-uuid'}, 'same_host'),
            ({'different_host': [UUID, 'web-1']}, 'different_host/1'),
            ({'different_host': 7}, 'different_host'),
            ({'same_host': {'id': UUID}}, 'same_host'),
            ({'group': 'anything'}, 'group'), ({'group': [UUID]}, 'group')):
        with pytest.raises(exception.ValidationError) as info:
            _hints(hints)
        assert info.value.message.startswith(
            'Invalid input for field/attribute os:scheduler_hints/%s.' % field)


def test_policy_names_are_unique_and_documented():
    rules = policies.list_rules()
    names = collections.Counter(rule.name for rule in rules)
    assert [name for name, count in names.items() if count > 1] == []
    assert all(rule.description for rule in rules)


def test_quota_resources_per_microversion():
    v21, v236, v257 = (microversions.parse(v) for v in ('2.1', '2.36', '2.57'))
    assert 'floating_ips' in quota.resources_for(v21)
    assert 'floating_ips' not in quota.resources_for(v236)
    assert 'injected_files' in quota.resources_for(v236)
    assert 'injected_files' not in quota.resources_for(v257)
    assert 'networks' not in quota.resources_for(v21)


@pytest.mark.parametrize('name, hostname', [
    ('My Server', 'my-server'), ('web_01.example', 'web-01.example'), ('---', None),
    ('x' * 80, 'x' * 63),
])
def test_make_hostname(name, hostname):
    assert compute_api.make_hostname(name, 'U') == (hostname or 'server-U')


def test_host_id_is_per_project_and_host():
    assert compute_api.host_id('p', None) == ''
    assert compute_api.host_id('p', 'h') != compute_api.host_id('q', 'h')
    assert len(compute_api.host_id('p', 'h')) == 56
