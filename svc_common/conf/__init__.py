"""Configuration: one module per option group, all registered on the global CONF.

oslo.messaging registers options on the global ``cfg.CONF`` (see
shared/notes/clients.md), so Nimbus uses that object too instead of a private one.
"""
from oslo_config import cfg

from svc_common.conf import opts as _opts

CONF = cfg.CONF


def register(conf):
    """Register every group's options on ``conf``, with Nimbus's defaults (again after a
    ``conf.reset()``, which drops the defaults set on oslo.db's options)."""
    for module in _opts.MODULES:
        module.register_opts(conf)


register(CONF)

# transport_url and friends, and [oslo_messaging_notifications] (whose driver turns
# notifications on): oslo.messaging registers them lazily when a transport is made;
# register them now so config files and overrides can name them at any time.
from oslo_messaging import opts as _messaging_opts  # noqa: E402

for _group, _group_opts in _messaging_opts.list_opts():
    if _group in (None, 'oslo_messaging_notifications'):
        CONF.register_opts(_group_opts, group=_group)
