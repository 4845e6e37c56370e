"""Key pairs, the API's part: importing or generating one within the key pair quota."""
from api_svc import key_crypto
from api_svc import quota
from svc_common import exception
from svc_common import objects


def create(context, user_id, name, key_type, public_key=None):
    """(key pair, private key PEM or None): ``public_key`` imported, or, when None, a new
    key generated. The user's key pairs count against the caller's project limit."""
    if public_key is not None:
        fingerprint = key_crypto.fingerprint(public_key, key_type)
    quota.check_key_pairs(context, context.project_id, user_id)
    private_key = None
    if public_key is None:
        private_key, public_key, fingerprint = key_crypto.generate(key_type, user_id)
    key_pair = objects.KeyPair(context=context, user_id=user_id, name=name, type=key_type,
                               public_key=public_key, fingerprint=fingerprint)
    key_pair.create()
    try:
        quota.check_key_pairs(context, context.project_id, user_id, added=0)
    except exception.KeypairLimitExceeded:
        objects.KeyPair.destroy_by_name(context, user_id, name)
        raise
    return key_pair, private_key
