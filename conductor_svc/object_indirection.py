"""Running remotable object methods for compute services, which have no DB access.

``ObjectIndirection`` is mixed into the conductor manager (its RPC endpoint); a compute
process installs the conductor RPC client as the objects' indirection API
(``svc_common.objects.base.use_indirection``). An all-in-one started with
``object_indirection`` (the fast test tiers) installs it for its computes' threads only
(``use_indirection_for_role``), so their object calls take the same path.
"""
import contextlib
import copy

from oslo_db import exception as db_exc
import oslo_messaging as messaging
from oslo_versionedobjects import base as ovo_base

from svc_common import exception
from svc_common import rpc
from svc_common.objects import base as obj_base


@contextlib.contextmanager
def _database_errors_for_rpc():
    """A database outage reaches the compute as DatabaseUnavailable (an exception that
    crosses RPC as itself), so it can tell "wait and retry" from "this failed"."""
    try:
        yield
    except db_exc.DBConnectionError as error:
        raise exception.DatabaseUnavailable(reason=str(error).splitlines()[0]) from error


# The domain errors an object method raises are answers for its caller (a lost compare-
# and-swap, a record gone, the database away), who decides what they mean: the RPC
# server logs them at debug, not as errors of its own with a traceback.
_answers = messaging.expected_exceptions(exception.NimbusException)


def _remotable(target, objmethod):
    """``target``'s method ``objmethod``, if it is remotable: only those are the
    objects' RPC surface (a compute calls nothing else through here); any other name
    (a helper, a setter, ``_from_db_object``) is refused."""
    cls = target if isinstance(target, type) else type(target)
    if not getattr(getattr(cls, objmethod, None), 'remotable', False):
        raise exception.ObjectMethodNotRemotable(objname=cls.obj_name(),
                                                 objmethod=objmethod)
    return getattr(target, objmethod)


def _snapshot(objinst):
    """The set fields' values before a method runs, to send back what it changed: a
    copy of each container (a method may change one in place); nested objects as
    themselves (see ``_changed``)."""
    return {name: (copy.copy(value) if isinstance(value, (dict, list, set)) else value)
            for name, value in ((n, getattr(objinst, n)) for n in objinst.fields
                                if objinst.obj_attr_is_set(n))}


def _changed(before, value):
    """Whether a field's value differs from its snapshot. A nested object (a flavor, the
    addresses) is the same when the method left that very object in place without a
    change of its own: the remotable methods replace nested objects they reread (never
    change one and forget it), so the caller's copy is still right and is not sent back
    (a Flavor's primitive cost more to build than a save's SQL)."""
    if isinstance(value, ovo_base.VersionedObject):
        return value is not before or bool(value.obj_what_changed())
    return before != value


class ObjectIndirection:

    @rpc.expose
    @_answers
    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        objclass = obj_base.NimbusObject.obj_class_from_name(
            objname, object_versions[objname])
        # A caller that cannot read the result's version asks for a backport through
        # object_backport_versions (the serializer does that on its side).
        with _database_errors_for_rpc():
            return _remotable(objclass, objmethod)(context, *args, **kwargs)

    @rpc.expose
    @_answers
    def object_action(self, context, objinst, objmethod, args, kwargs):
        before = _snapshot(objinst)
        with _database_errors_for_rpc():
            result = _remotable(objinst, objmethod)(*args, **kwargs)
        updates = {}
        for name, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(name):
                continue
            value = getattr(objinst, name)
            if name not in before or _changed(before[name], value):
                updates[name] = field.to_primitive(objinst, name, value)
        updates['obj_what_changed'] = objinst.obj_what_changed()
        return updates, result

    @rpc.expose
    @_answers
    def object_backport_versions(self, context, objinst, object_versions):
        target = object_versions[objinst.obj_name()]
        return objinst.obj_to_primitive(target_version=target, version_manifest=object_versions)
