"""Bodies of /os-simple-tenant-usage: a project's usage, its servers' usages inside
when detailed."""
import dataclasses
import datetime

from api_svc.views import common


def project_usage(usage, detailed=True):
    body = _fields(usage, skip='server_usages')
    if detailed:
        body['server_usages'] = [_fields(s) for s in usage.server_usages]
    return body


def _fields(record, skip=None):
    """The dataclass ``record`` as JSON values; times as Nova writes them."""
    body = {}
    for field in dataclasses.fields(record):
        if field.name != skip:
            value = getattr(record, field.name)
            body[field.name] = (common.iso_micro(value)
                                if isinstance(value, datetime.datetime) else value)
    return body
