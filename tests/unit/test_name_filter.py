import time

import pytest

from svc_common import name_filter


@pytest.mark.parametrize('pattern', ['(a+)+$', '(a|aa)*c', '(a*)*b', '((a+)+)+x'])
def test_backtracking_patterns_take_linear_time(pattern):
    match = name_filter.matcher(pattern)
    started = time.monotonic()
    assert not match('a' * 5000 + '!')
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize('pattern, name, matches', [
    ('^vm-[0-9]+$', 'vm-12', True), ('vm', 'my-vm-1', True), ('^vm$', 'vm-1', False),
    ('[', 'a[b', True), ('[', 'ab', False),  # malformed: literal
    (r'(a)\1', r'x(a)\1', True), (r'(a)\1', 'aa', False),  # back-reference: literal
    ('(?=a)a', 'a', False),  # look-ahead: literal
])
def test_patterns(pattern, name, matches):
    assert name_filter.matcher(pattern)(name) is matches


def test_no_pattern_no_matcher_and_no_name_no_match():
    assert name_filter.matcher('') is None and name_filter.matcher(None) is None
    assert name_filter.matcher('.*')(None) is False
