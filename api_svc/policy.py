"""The policy enforcer: defaults from api_svc.policies, overrides from the policy file."""
import contextvars

from oslo_config import cfg
from oslo_policy import policy

from api_svc import policies
from svc_common.conf import CONF
from svc_common import exception

_ENFORCER = None
# The request context whose check is under way in this thread.
_CHECKING = contextvars.ContextVar('nimbus_policy_checking', default=None)


class _Enforcer(policy.Enforcer):
    """oslo.policy's enforcer, which looks whether the policy files changed (a stat of
    each, a pass over every rule) at every check: here once per request, at its first
    check; a request's later checks use the rules it read then. A file changed between
    two requests still counts from the next."""

    _rules_read_for = None  # the context of the request that read the rules last

    def load_rules(self, force_reload=False):
        context = _CHECKING.get()
        if force_reload or context is None or context is not self._rules_read_for:
            super().load_rules(force_reload)
            self._rules_read_for = context


def get_enforcer():
    global _ENFORCER
    if _ENFORCER is None:
        defaults = policies.list_rules()
        if _config_parsed():
            _ENFORCER = _Enforcer(CONF)
            _ENFORCER.register_defaults(defaults)
            _ENFORCER.load_rules()
        else:
            _ENFORCER = _Enforcer(CONF, use_conf=False)
            _ENFORCER.register_defaults(defaults)
            _ENFORCER.set_rules(policy.Rules.from_dict(
                {rule.name: rule.check_str for rule in defaults}), use_conf=False)
    return _ENFORCER


def _config_parsed():
    """Policy files are found through the parsed configuration; tests that never
    parse one run on the defaults alone."""
    try:
        CONF.find_file('policy.yaml')
        return True
    except cfg.NotInitializedError:
        return False


def reset():
    global _ENFORCER
    if _ENFORCER is not None:
        _ENFORCER.clear()
    _ENFORCER = None


def _target(context, target):
    if target is None:
        target = {'project_id': context.project_id, 'user_id': context.user_id}
    return target


def _authorize(context, rule, target, **kwargs):
    token = _CHECKING.set(context)
    try:
        return get_enforcer().authorize(rule, _target(context, target), context, **kwargs)
    finally:
        _CHECKING.reset(token)


def authorize(context, rule, target=None):
    """Raise PolicyNotAuthorized (403) unless ``context`` may do ``rule`` on ``target``
    (a dict with the owner's project_id; the caller's own project by default)."""
    _authorize(context, rule, target, do_raise=True, exc=exception.PolicyNotAuthorized,
               action=rule)


def check(context, rule, target=None):
    """Whether the rule passes, without raising."""
    return _authorize(context, rule, target, do_raise=False)
