"""The enforcer remembers its decisions while the rules stay the same: the same rule
with the same credentials and target is evaluated by oslo.policy once, a refusal still
raises, and any change of the rules (policy file, policy directory, set_rules) counts
from the next request."""
import os
import time

from oslo_config import cfg
from oslo_policy import _checks
from oslo_policy import policy as oslo_policy
import pytest

from api_svc import policies
from api_svc import policy
from api_svc.policies import servers as server_policies
from svc_common import context as nimbus_context
from svc_common import exception

DETAIL = server_policies.DETAIL


@pytest.fixture
def evaluated(monkeypatch):
    """The rules oslo.policy evaluates (the roots of the rule trees it walks)."""
    policy.reset()
    counted = []
    depth = []
    real = _checks._check

    def counting(rule, target, creds, enforcer, current_rule):
        if not depth:
            counted.append(current_rule)
        depth.append(1)
        try:
            return real(rule, target, creds, enforcer, current_rule)
        finally:
            depth.pop()
    monkeypatch.setattr(_checks, '_check', counting)
    yield counted
    policy.reset()


def _request(roles=('member', 'reader'), project_id='p1', user_id='u1'):
    """The context of a new request."""
    return nimbus_context.RequestContext(user_id=user_id, project_id=project_id,
                                         roles=list(roles))


def _on_files(monkeypatch, tmp_path, **options):
    """The module's enforcer reading the policy files ``options`` name."""
    conf = cfg.ConfigOpts()
    conf([], project='nimbus-policy-test', default_config_files=[], default_config_dirs=[])
    oslo_policy.Enforcer(conf)  # registers the [oslo_policy] options
    for name, value in options.items():
        conf.set_override(name, value, group='oslo_policy')
    enforcer = policy._Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    enforcer.load_rules()
    monkeypatch.setattr(policy, '_ENFORCER', enforcer)
    return enforcer


_CLOCK = [0.0]  # the last time _write gave a file


def _write(path, text):
    """Write ``text`` to ``path`` (None: remove it) and move its and its folder's
    times on, so that a stat sees a change however fast the writes come."""
    if text is None:
        os.unlink(path)
    else:
        path.write_text(text)
    _CLOCK[0] = max(_CLOCK[0], time.time()) + 10
    for changed in ([] if text is None else [path]) + [path.parent]:
        os.utime(changed, (_CLOCK[0], _CLOCK[0]))


def test_the_same_check_is_evaluated_once(evaluated):
    assert all(policy.check(_request(), DETAIL) for _ in range(3))
    assert evaluated == [DETAIL]


def test_other_credentials_or_targets_are_evaluated_apart(evaluated):
    assert policy.check(_request(), DETAIL)
    assert not policy.check(_request(roles=['other']), DETAIL)
    assert not policy.check(_request(project_id='p2'), DETAIL,
                            {'project_id': 'p1', 'user_id': 'u1'})
    assert policy.check(_request(roles=['admin']), DETAIL)
    assert evaluated == [DETAIL] * 4
    assert not policy.check(_request(roles=['other']), DETAIL)
    assert evaluated == [DETAIL] * 4


def test_a_remembered_refusal_still_raises(evaluated):
    rule = server_policies.SHOW_HOST_STATUS
    assert not policy.check(_request(), rule)
    for _ in range(2):
        with pytest.raises(exception.PolicyNotAuthorized):
            policy.authorize(_request(), rule)
    assert not policy.check(_request(), rule)
    assert evaluated == [rule] * 3  # the check once; each raise through oslo.policy


def test_set_rules_forgets(evaluated):
    assert policy.check(_request(), DETAIL)
    policy.get_enforcer().set_rules(oslo_policy.Rules.from_dict({DETAIL: '!'}),
                                    overwrite=False)
    assert not policy.check(_request(), DETAIL)


def test_a_changed_policy_file_counts_from_the_next_request(monkeypatch, tmp_path,
                                                             evaluated):
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text('{}')
    _on_files(monkeypatch, tmp_path, policy_file=str(policy_file), policy_dirs=[])
    assert policy.check(_request(), DETAIL)
    _write(policy_file, '"%s": "role:admin"\n' % DETAIL)
    assert not policy.check(_request(), DETAIL)
    _write(policy_file, '"%s": "role:member"\n' % DETAIL)
    assert policy.check(_request(), DETAIL)
    assert policy.check(_request(), DETAIL)
    assert evaluated == [DETAIL] * 3


def test_a_removed_policy_directory_file_counts_from_the_next_request(monkeypatch,
                                                                      tmp_path, evaluated):
    """Without a policy file, a change in a policy directory resets the rules by
    assignment (not set_rules): the decisions go with them all the same."""
    folder = tmp_path / 'policy.d'
    folder.mkdir()
    override = folder / 'deny.yaml'
    _on_files(monkeypatch, tmp_path, policy_file=str(tmp_path / 'absent.yaml'),
              policy_dirs=[str(folder)])
    assert policy.check(_request(), DETAIL)
    _write(override, '"%s": "!"\n' % DETAIL)
    assert not policy.check(_request(), DETAIL)
    _write(override, None)
    assert policy.check(_request(), DETAIL)
    assert evaluated == [DETAIL] * 3


class _Counted(_checks.Check):
    calls = 0

    def __call__(self, target, creds, enforcer, current_rule=None):
        _Counted.calls += 1
        return True


def test_a_plugin_check_is_asked_at_every_request(monkeypatch, evaluated):
    """Checks other than oslo.policy's plain ones (http:, a plugin's) may answer
    otherwise from one request to the next: never remembered."""
    monkeypatch.setitem(_checks.registered_checks, 'nimbus_counted', _Counted)
    _Counted.calls = 0
    policy.get_enforcer().set_rules(oslo_policy.Rules.from_dict(
        {DETAIL: 'role:member and rule:counted', 'counted': 'nimbus_counted:x'}),
        overwrite=False)
    assert all(policy.check(_request(), DETAIL) for _ in range(3))
    assert _Counted.calls == 3
