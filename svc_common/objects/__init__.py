"""Versioned objects: everything that crosses RPC. ``register_all`` imports them."""
from typing import Any


def register_all():
    __import__('svc_common.objects.flavor')
    __import__('svc_common.objects.instance')
    __import__('svc_common.objects.request_spec')
    __import__('svc_common.objects.fault')
    __import__('svc_common.objects.migration')
    __import__('svc_common.objects.service')
    __import__('svc_common.objects.compute_node')
    __import__('svc_common.objects.claim')
    __import__('svc_common.objects.instance_action')
    __import__('svc_common.objects.keypair')
    __import__('svc_common.objects.instance_group')
    __import__('svc_common.objects.aggregate')
    __import__('svc_common.objects.task_log')
    __import__('svc_common.objects.network')


def __getattr__(name: str) -> Any:
    """The object classes are set on this module as they register (``register_all``);
    this says so to type checkers. A name not registered is an AttributeError."""
    raise AttributeError('module %r has no attribute %r' % (__name__, name))
