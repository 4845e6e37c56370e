"""Configuration: one module per option group, all registered on the global CONF.

oslo.messaging registers options on the global ``cfg.CONF`` (see
shared/notes/clients.md), so Nimbus uses that object too instead of a private one.
"""
from oslo_config import cfg

from svc_common.conf import opts as _opts

CONF = cfg.CONF

for _module in _opts.MODULES:
    _module.register_opts(CONF)
