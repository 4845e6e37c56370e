"""The request context: who asks, in which project, under which request id.

It travels with every RPC message (``to_dict``/``from_dict``) and carries the oslo.db
transaction state for the code that may touch SQL.
"""
from oslo_context import context as o_context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(o_context.RequestContext):

    def __init__(self, *args, read_deleted='no', **kwargs):
        super().__init__(*args, **kwargs)
        self.read_deleted = read_deleted
        if not self.is_admin and 'admin' in (self.roles or []):
            self.is_admin = True

    def to_dict(self):
        values = super().to_dict()
        values['read_deleted'] = self.read_deleted
        return values

    @classmethod
    def from_dict(cls, values):
        return super().from_dict(values, read_deleted=values.get('read_deleted', 'no'),
                                 is_admin=values.get('is_admin', False))

    def elevated(self, read_deleted=None):
        ctx = self.from_dict(self.to_dict())
        ctx.is_admin = True
        if 'admin' not in ctx.roles:
            ctx.roles = list(ctx.roles) + ['admin']
        if read_deleted is not None:
            ctx.read_deleted = read_deleted
        return ctx


def get_admin_context(read_deleted='no'):
    return RequestContext(user_id=None, project_id=None, is_admin=True, roles=['admin'],
                          read_deleted=read_deleted, overwrite=False)
