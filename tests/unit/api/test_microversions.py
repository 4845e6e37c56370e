import pytest

from api_svc import microversions
from svc_common import exception


def test_versions_are_consecutive_from_21_to_2104():
    expected = ['2.%d' % minor for minor in range(1, 105)]
    assert microversions.VERSIONS == expected
    assert str(microversions.MIN_VERSION) == '2.1'
    assert str(microversions.MAX_VERSION) == '2.104'


@pytest.mark.parametrize('headers, expected', [
    ({}, '2.1'),
    ({'OpenStack-API-Version': 'compute 2.53'}, '2.53'),
    ({'OpenStack-API-Version': 'image 2.5, compute 2.10'}, '2.10'),
    ({'OpenStack-API-Version': 'volume 3.1'}, '2.1'),
    ({'X-OpenStack-Nova-API-Version': '2.19'}, '2.19'),
    ({'OpenStack-API-Version': 'compute latest'}, '2.104'),
    ({'OpenStack-API-Version': 'compute 2.2', 'X-OpenStack-Nova-API-Version': '2.9'}, '2.2'),
])
def test_from_headers(headers, expected):
    assert str(microversions.from_headers(headers)) == expected


@pytest.mark.parametrize('value, error', [
    ('2', exception.InvalidMicroversion), ('2.01', exception.InvalidMicroversion),
    ('abc', exception.InvalidMicroversion), ('3.0', exception.UnsupportedMicroversion),
    ('2.0', exception.UnsupportedMicroversion), ('2.105', exception.UnsupportedMicroversion),
])
def test_bad_versions(value, error):
    with pytest.raises(error) as info:
        microversions.from_headers({'X-OpenStack-Nova-API-Version': value})
    assert info.value.code == (400 if error is exception.InvalidMicroversion else 406)


def test_matches_compares_numerically():
    version = microversions.parse('2.10')
    assert version.matches('2.9') and version.matches('2.10')
    assert not version.matches('2.11')
    assert not version.matches('2.1', '2.9')
    assert version > microversions.parse('2.9')
