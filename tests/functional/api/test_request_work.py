"""What one request of the Compute API repeats, counted rather than timed: a server list
decides what its microversion shows once, not once a server, parses no version string
but the one the request names, and a poll like the last asks oslo.policy for no
decision it made then."""
from oslo_policy import _checks
from oslo_policy import policy as oslo_policy
import pytest

from api_svc import microversions
from api_svc import request as api_request
from tests.functional.api import helpers


@pytest.fixture
def servers(cloud):
    """Three ACTIVE servers of the admin's project."""
    image = helpers.create_image(cloud, project='admin', roles='admin', visibility='public')
    ids = [helpers.boot(cloud, image['id'], name='vm%d' % i, project='admin')['server']['id']
           for i in range(3)]
    for server_id in ids:
        cloud.wait_for_server(server_id, 'ACTIVE', project='admin')
    return ids


def _calls(monkeypatch, owner, name):
    """A list that grows by one at each call of owner.name from now on."""
    calls = []
    real = getattr(owner, name)

    def counting(*args, **kwargs):
        calls.append(name)
        return real(*args, **kwargs)
    monkeypatch.setattr(owner, name, counting)
    return calls


def _list(cloud, limit, version='2.100'):
    resp = cloud.admin('GET', '/v2.1/servers/detail?limit=%d' % limit, version=version)
    assert resp.status_int == 200, resp.body
    assert len(resp.json_body_or_none['servers']) == limit
    return resp


@pytest.mark.parametrize('version', ['2.1', '2.47', '2.100'])
def test_a_list_decides_what_its_version_shows_once(cloud, servers, monkeypatch, version):
    """The version comparisons and the base URL the links are made of cost a list the
    same with one server as with three."""
    _list(cloud, 1, version)
    matches = _calls(monkeypatch, microversions.APIVersion, 'matches')
    base_urls = []
    real_base_url = api_request.Request.base_url
    monkeypatch.setattr(api_request.Request, 'base_url', property(
        lambda req: base_urls.append(1) or real_base_url.fget(req)))
    counts = []
    for limit in (1, 3):
        del matches[:], base_urls[:]
        _list(cloud, limit, version)
        counts.append((len(matches), len(base_urls)))
    assert counts[0] == counts[1], counts


def test_only_the_requested_version_is_parsed(cloud, servers, monkeypatch):
    """The bounds handlers compare a request's version with ('2.19') are parsed once
    a process; each request parses only the version its header names."""
    _list(cloud, 3)
    parsed = _calls(monkeypatch, microversions, 'parse')
    resp = _list(cloud, 3)
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.100'
    assert len(parsed) == 1


def test_a_poll_again_takes_the_policy_decisions_made_before(cloud, servers, monkeypatch):
    """The list's checks (the list, all filters, extended attributes, host status),
    with the same credentials and targets, are not evaluated again; the policy files
    are still looked at once a request."""
    _list(cloud, 3)
    evaluated = _calls(monkeypatch, _checks, '_check')
    reads = _calls(monkeypatch, oslo_policy.Enforcer, 'load_rules')
    _list(cloud, 3)
    assert evaluated == []
    assert len(reads) == 1
