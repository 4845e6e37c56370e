"""Name filters (``GET /servers?name=``, ``GET /flavors?name=``): a regular expression
matched anywhere in the name, run by RE2, whose time is linear in the name's length
whatever the pattern (Python's ``re`` backtracks: a 28-character pattern took seconds
and held the process's interpreter lock throughout). A pattern RE2 does not take --
malformed, or using what only backtracking engines have (back-references,
look-arounds) -- is matched literally.
"""
import re2

# An RE2 program bigger than this is refused (and the pattern matched literally).
_MAX_PROGRAM_MEMORY = 8 * 1024 * 1024


def _options(literal):
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _MAX_PROGRAM_MEMORY
    options.literal = literal
    return options


def compile_pattern(pattern):
    """A compiled filter for ``pattern`` with ``search(text)``."""
    try:
        return re2.compile(pattern, _options(literal=False))
    except re2.error:
        return re2.compile(pattern, _options(literal=True))


def matcher(pattern):
    """``name -> bool`` for ``pattern``; None without one."""
    if not pattern:
        return None
    regex = compile_pattern(pattern)
    return lambda name: bool(name) and regex.search(name) is not None
