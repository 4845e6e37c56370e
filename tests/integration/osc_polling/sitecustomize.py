"""Imported at start-up by the openstackclient processes the client tests run (their
PYTHONPATH names this directory): a ``--wait`` polls every half second instead of
every 5 s, osc-lib's default. Only the pause between two polls changes; what is
polled, and which statuses end the wait, stay the client's own."""
import inspect

from osc_lib import utils

SECONDS = 0.5


def _default(function, name, value):
    """``function``'s default for its parameter ``name`` made ``value``."""
    positional = [p for p in inspect.signature(function).parameters.values()
                  if p.default is not p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                             p.POSITIONAL_OR_KEYWORD)]
    assert name in [p.name for p in positional], (function, name)
    function.__defaults__ = tuple(value if p.name == name else p.default
                                  for p in positional)


_default(utils.wait_for_status, 'sleep_time', SECONDS)
_default(utils.wait_for_delete, 'sleep_time', SECONDS)
