"""Key pair bodies: the list item, the answer to a create, and the full show."""
from api_svc.views import common


def summary(version, key_pair):
    body = {'name': key_pair.name, 'public_key': key_pair.public_key,
            'fingerprint': key_pair.fingerprint}
    if version.matches('2.2'):
        body['type'] = key_pair.type
    return body


def created(version, key_pair, private_key=None):
    body = dict(summary(version, key_pair), user_id=key_pair.user_id)
    if private_key is not None:
        body['private_key'] = private_key
    return body


def detail(version, key_pair):
    return dict(summary(version, key_pair), user_id=key_pair.user_id, id=key_pair.id,
                deleted=bool(key_pair.deleted),
                created_at=common.iso_micro(key_pair.created_at),
                updated_at=common.iso_micro(key_pair.updated_at),
                deleted_at=common.iso_micro(key_pair.deleted_at))
