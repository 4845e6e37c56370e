"""KeyPair: a user's public key, known by a name unique among that user's live key
pairs (a deleted one frees its name: ``deleted`` becomes the row id)."""
from oslo_db import exception as db_exc
from oslo_versionedobjects import fields

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception
from svc_common.objects import base

TYPE_SSH = 'ssh'
TYPE_X509 = 'x509'
TYPES = (TYPE_SSH, TYPE_X509)

_FIELDS = ('id', 'name', 'user_id', 'fingerprint', 'public_key', 'type', 'created_at',
           'updated_at', 'deleted_at', 'deleted')


def _live(context, user_id):
    return context.session.query(models.KeyPair).filter_by(user_id=user_id, deleted=0)


@db_api.reader
def _key_pair_get(context, user_id, name):
    row = _live(context, user_id).filter_by(name=name).first()
    if row is None:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
    return row


@db_api.writer
def _key_pair_create(context, values):
    row = models.KeyPair(**values)
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.KeyPairExists(key_name=values['name'])
    return row


@db_api.writer
def _key_pair_destroy(context, user_id, name):
    row = _key_pair_get(context, user_id, name)
    now = base.utcnow()
    count = _live(context, user_id).filter_by(id=row.id).update(
        {'deleted': row.id, 'deleted_at': now, 'updated_at': now},
        synchronize_session=False)
    if not count:  # deleted by someone else since we read it
        raise exception.KeypairNotFound(user_id=user_id, name=name)


@db_api.reader
def _key_pair_get_all(context, user_id, limit, marker):
    """The user's key pairs by name: at most ``limit`` after the one named ``marker``."""
    query = _live(context, user_id).order_by(models.KeyPair.name)
    if marker is not None:
        if query.filter_by(name=marker).first() is None:
            raise exception.MarkerNotFound(marker=marker)
        query = query.filter(models.KeyPair.name > marker)
    if limit is not None:
        query = query.limit(limit)
    return query.all()


@db_api.reader
def _key_pair_count(context, user_id):
    return _live(context, user_id).count()


@base.NimbusObjectRegistry.register
class KeyPair(base.NimbusPersistentObject, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = dict(base.NimbusPersistentObject.fields, **{
        'id': fields.IntegerField(),
        'name': fields.StringField(),
        'user_id': fields.StringField(),
        'fingerprint': fields.StringField(nullable=True),
        'public_key': fields.StringField(nullable=True),
        'type': fields.EnumField(valid_values=TYPES, default=TYPE_SSH),
    })

    @staticmethod
    def _from_db_object(context, key_pair, row):
        base.copy_db_fields(key_pair, row, _FIELDS)
        key_pair._context = context
        return key_pair

    @base.remotable_classmethod
    def get_by_name(cls, context, user_id, name):
        return cls._from_db_object(context, cls(), _key_pair_get(context, user_id, name))

    @base.remotable
    def create(self):
        """Insert the key pair; KeyPairExists when the user has a live one of its name."""
        values = self.obj_get_changes()
        values.setdefault('type', TYPE_SSH)
        values.pop('deleted', None)
        values = {name: base.naive(value) for name, value in values.items()}
        self._from_db_object(self._context, self,
                             _key_pair_create(self._context, values))

    @base.remotable_classmethod
    def destroy_by_name(cls, context, user_id, name):
        _key_pair_destroy(context, user_id, name)


@base.NimbusObjectRegistry.register
class KeyPairList(base.ObjectListBase, base.NimbusObject):
    # Version 1.0: Initial version
    VERSION = '1.0'
    fields = {'objects': fields.ListOfObjectsField('KeyPair')}

    @base.remotable_classmethod
    def get_by_user(cls, context, user_id, limit=None, marker=None):
        """The user's key pairs in name order, paged by ``limit`` and the name
        ``marker`` (MarkerNotFound unless the user has a key pair of that name)."""
        rows = _key_pair_get_all(context, user_id, limit, marker)
        return base.make_list(context, cls(context), KeyPair, rows)

    @base.remotable_classmethod
    def get_count_by_user(cls, context, user_id):
        return _key_pair_count(context, user_id)
