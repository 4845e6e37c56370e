"""The enforcer looks at the policy files once per request, not at every check."""
from oslo_policy import policy as oslo_policy
import pytest

from api_svc import policy
from api_svc.policies import servers as server_policies
from svc_common import context as nimbus_context


@pytest.fixture
def reads(monkeypatch):
    policy.reset()
    counted = []
    load = oslo_policy.Enforcer.load_rules

    def counting(self, force_reload=False):
        counted.append(force_reload)
        return load(self, force_reload)
    monkeypatch.setattr(oslo_policy.Enforcer, 'load_rules', counting)
    yield counted
    policy.reset()


def _request_context():
    return nimbus_context.RequestContext(user_id='u1', project_id='p1', roles=['member'])


def test_a_requests_checks_read_the_rules_once(reads):
    context = _request_context()
    allowed = [policy.check(context, rule) for rule in (
        server_policies.SHOW, server_policies.DETAIL, server_policies.SHOW_HOST_STATUS)]
    assert not allowed[2]
    assert len(reads) == 1


def test_each_request_reads_them_again(reads):
    for _ in range(3):
        context = _request_context()
        policy.check(context, server_policies.SHOW)
        policy.check(context, server_policies.DETAIL)
    assert len(reads) == 3


def test_a_refused_check_still_raises(reads):
    with pytest.raises(Exception) as raised:
        policy.authorize(_request_context(), server_policies.SHOW_HOST_STATUS)
    assert raised.type.__name__ == 'PolicyNotAuthorized'
