"""Matching a host's value against a flavor extra spec's requirement, in the operator
language of Nova's aggregate and capability filters:

  '= 4'       numeric, at least 4          's== abc'   string equal (also s!=, s<, s<=,
  '== 4'      numeric equal                            s>, s>=)
  '!= 4'      numeric not equal            '<in> ab'   the value contains 'ab'
  '>= 4'      numeric at least (and <=)    '<all-in> a b'  the value contains them all
  '<is> True' boolean equal                '<or> a <or> b' one of the alternatives
  'abc'       no operator: string equal
"""
import operator


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _numeric(compare):
    def check(value, wanted):
        value, wanted = _number(value), _number(wanted)
        return value is not None and wanted is not None and compare(value, wanted)
    return check


def _boolean(value, wanted):
    return str(value).strip().lower() == str(wanted).strip().lower()


def _contains_all(value, wanted):
    return all(part in str(value) for part in wanted.split())


_OPERATORS = {
    '=': _numeric(operator.ge), '==': _numeric(operator.eq), '!=': _numeric(operator.ne),
    '>=': _numeric(operator.ge), '<=': _numeric(operator.le),
    's==': operator.eq, 's!=': operator.ne, 's<': operator.lt, 's<=': operator.le,
    's>': operator.gt, 's>=': operator.ge,
    '<in>': lambda value, wanted: wanted in str(value),
    '<all-in>': _contains_all,
    '<is>': _boolean,
}


def match(value, requirement: str) -> bool:
    """Whether ``value`` (a host's, a string) meets ``requirement`` (a flavor's)."""
    words = requirement.split(None, 1)
    if words and words[0] == '<or>':
        alternatives = [a.strip() for a in requirement.split('<or>') if a.strip()]
        return str(value) in alternatives
    if len(words) == 2 and words[0] in _OPERATORS:
        return bool(_OPERATORS[words[0]](value, words[1].strip()))
    return str(value) == requirement
