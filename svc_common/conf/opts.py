"""Entry point for oslo-config-generator: every option group Nimbus registers."""
from svc_common.conf import api
from svc_common.conf import compute
from svc_common.conf import conductor
from svc_common.conf import database
from svc_common.conf import default
from svc_common.conf import fake_driver
from svc_common.conf import image
from svc_common.conf import libvirt
from svc_common.conf import quota
from svc_common.conf import scheduler

MODULES = (default, api, compute, conductor, database, fake_driver, image, libvirt, quota,
           scheduler)


def list_opts():
    merged = {}
    for module in MODULES:
        for group, opts in module.list_opts().items():
            merged.setdefault(group, []).extend(opts)
    return list(merged.items())
