"""A server's security groups, as far as a cloud without a network service has them:
names kept with the server (system metadata ``security_groups``), 'default' unless
others were asked for at creation; addSecurityGroup and removeSecurityGroup change
them. The only group that exists is 'default' (no network service defines others), so
adding another is a 404, as Nova answers for a group it cannot find."""
from svc_common import exception

KEY = 'security_groups'
DEFAULT = 'default'
KNOWN = (DEFAULT,)


def for_create(requested):
    """What to record at creation: the names asked for, or 'default'."""
    names = [g.get('name') for g in requested or () if g.get('name')]
    return ','.join(dict.fromkeys(names or [DEFAULT]))


def names(instance):
    raw = (instance.system_metadata or {}).get(KEY)
    return raw.split(',') if raw else []


def _save(instance, groups):
    meta = dict(instance.system_metadata or {})
    if groups:
        meta[KEY] = ','.join(groups)
    else:
        meta.pop(KEY, None)
    instance.system_metadata = meta
    instance.save()


def add(instance, name):
    if name not in KNOWN:
        raise exception.NotFound(message='Security group %s not found.' % name)
    current = names(instance)
    if name in current:
        raise exception.Invalid(message='Security group %s is already associated with '
                                        'the instance %s' % (name, instance.uuid))
    _save(instance, current + [name])


def remove(instance, name):
    current = names(instance)
    if name not in current:
        raise exception.Invalid(message='Security group %s not assigned to the instance '
                                        '%s' % (name, instance.uuid))
    _save(instance, [g for g in current if g != name])
