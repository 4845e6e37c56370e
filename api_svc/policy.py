"""The policy enforcer: defaults from api_svc.policies, overrides from the policy file."""
import contextvars
import logging

from oslo_config import cfg
from oslo_policy import _checks
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
    two requests still counts from the next.

    It also remembers its decisions while the rules stay the same: oslo.policy's
    evaluation of a rule costs far more than its checks (an inspect.getfullargspec at
    each node of the rule), and the same few rules are checked with the same
    credentials and target request after request (every poll of a server list). Only
    decisions of rules made of checks that depend on nothing but the rules, the
    credentials and the target are kept (roles, fields, rule references, and/or/not;
    not http: or a plugin's), keyed on the whole credentials and target; any change of
    the rules (a file read again, set_rules, clear) forgets them all."""

    _rules_read_for = None  # the context of the request that read the rules last
    _decisions: dict  # (rule, target, credentials) -> bool, for the rules as they are
    _pure: dict  # rule name -> whether its decisions can be kept (set with the rules)

    @property
    def rules(self):
        return self._rules

    @rules.setter
    def rules(self, value):
        self._rules = value
        self._forget()

    def _forget(self):
        self._decisions = {}
        self._pure = {}

    def set_rules(self, rules, overwrite=True, use_conf=False):
        super().set_rules(rules, overwrite, use_conf)
        self._forget()  # set_rules may update the rules in place

    def clear(self):
        super().clear()
        self._forget()

    def load_rules(self, force_reload=False):
        context = _CHECKING.get()
        if force_reload or context is None or context is not self._rules_read_for:
            before = self._decisions
            super().load_rules(force_reload)
            if self._decisions is not before:
                # The rules changed, then the defaults were filled in in place: what a
                # check made of them meanwhile (another thread) is forgotten too.
                self._forget()
            self._rules_read_for = context

    def decisions_for(self, rule, target, context):
        """(the decisions of the rules as they are now, the key of this check in them),
        or (None, None) when this check's decision is not to be kept."""
        if policy.LOG.isEnabledFor(logging.DEBUG):
            return None, None  # oslo.policy logs every check at debug level
        decisions = self._decisions
        pure = self._pure.get(rule)
        if pure is None:
            try:
                pure = self._pure[rule] = _pure(self.rules, self.rules[rule], ())
            except KeyError:
                pure = self._pure[rule] = True  # no such rule: refused, always
        if not pure or type(target) is not dict:
            return None, None
        try:
            key = (rule, _frozen(target), _frozen(context.to_policy_values()))
        except TypeError:  # a value that is not plain data
            return None, None
        if len(decisions) >= _MAX_DECISIONS:
            self._forget()
            decisions = self._decisions
        return decisions, key


# Checks whose outcome depends on the rules, credentials and target alone.
_PURE_LEAVES = (_checks.TrueCheck, _checks.FalseCheck, _checks.RoleCheck,
                _checks.GenericCheck)
_MAX_DECISIONS = 10000


def _pure(rules, check, seen):
    """Whether ``check`` is made of _PURE_LEAVES, and/or/not and references to rules
    that are (a cycle is not)."""
    kind = type(check)
    if kind in _PURE_LEAVES:
        return True
    if kind is _checks.NotCheck:
        return _pure(rules, check.rule, seen)
    if kind in (_checks.AndCheck, _checks.OrCheck):
        return all(_pure(rules, each, seen) for each in check.rules)
    if kind is _checks.RuleCheck:
        if check.match in seen:
            return False
        try:
            referenced = rules[check.match]
        except KeyError:
            return True  # refused, always
        return _pure(rules, referenced, seen + (check.match,))
    return False


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _frozen(mapping):
    """A hashable form of a mapping of plain data (scalars, lists and tuples of them),
    equal only for equal mappings with values of the same types (a check may tell a
    list from a tuple, or True from 1); TypeError for other data. Two equal mappings
    whose keys come in another order make two keys: a miss, never a wrong decision."""
    items = []
    for key, value in mapping.items():
        kind = type(value)
        if kind in _SCALARS:
            items.append((key, kind, value))
        elif (kind is list or kind is tuple) and all(type(each) in _SCALARS
                                                      for each in value):
            items.append((key, kind, tuple((type(each), each) for each in value)))
        else:
            raise TypeError(kind)
    return tuple(items)


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


def _authorize(context, rule, target, do_raise=False, **kwargs):
    enforcer = get_enforcer()
    target = _target(context, target)
    token = _CHECKING.set(context)
    try:
        enforcer.load_rules()  # first check of a request: have the files changed?
        decisions, key = enforcer.decisions_for(rule, target, context)
        if decisions is not None:
            decision = decisions.get(key)
            # A refusal to raise goes through oslo.policy again (its exception).
            if decision or (decision is False and not do_raise):
                return decision
        result = enforcer.authorize(rule, target, context, do_raise=do_raise, **kwargs)
        if decisions is not None and type(result) is bool:
            decisions[key] = result
        return result
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
