"""The policy enforcer: defaults from api_svc.policies, overrides from the policy file."""
from oslo_config import cfg
from oslo_policy import policy

from api_svc import policies
from svc_common.conf import CONF
from svc_common import exception

_ENFORCER = None


def get_enforcer():
    global _ENFORCER
    if _ENFORCER is None:
        defaults = policies.list_rules()
        if _config_parsed():
            _ENFORCER = policy.Enforcer(CONF)
            _ENFORCER.register_defaults(defaults)
            _ENFORCER.load_rules()
        else:
            _ENFORCER = policy.Enforcer(CONF, use_conf=False)
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


def authorize(context, rule, target=None):
    """Raise PolicyNotAuthorized (403) unless ``context`` may do ``rule`` on ``target``
    (a dict with the owner's project_id; the caller's own project by default)."""
    get_enforcer().authorize(rule, _target(context, target), context, do_raise=True,
                             exc=exception.PolicyNotAuthorized, action=rule)


def check(context, rule, target=None):
    """Whether the rule passes, without raising."""
    return get_enforcer().authorize(rule, _target(context, target), context, do_raise=False)
