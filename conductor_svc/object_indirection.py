"""Running remotable object methods for compute services, which have no DB access.

``ObjectIndirection`` is mixed into the conductor manager (its RPC endpoint);
``LocalIndirection`` gives the all-in-one and functional tests the same path without
the 50 ms the fake transport spends on every call: objects still cross as primitives.
"""
from svc_common.objects import base as obj_base


class ObjectIndirection:

    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        objclass = obj_base.NimbusObject.obj_class_from_name(
            objname, object_versions[objname])
        # A caller that cannot read the result's version asks for a backport through
        # object_backport_versions (the serializer does that on its side).
        return getattr(objclass, objmethod)(context, *args, **kwargs)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        before = objinst.obj_clone()
        result = getattr(objinst, objmethod)(*args, **kwargs)
        updates = {}
        for name, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(name):
                continue
            value = getattr(objinst, name)
            if not before.obj_attr_is_set(name) or getattr(before, name) != value:
                updates[name] = field.to_primitive(objinst, name, value)
        updates['obj_what_changed'] = objinst.obj_what_changed()
        return updates, result

    def object_backport_versions(self, context, objinst, object_versions):
        target = object_versions[objinst.obj_name()]
        return objinst.obj_to_primitive(target_version=target, version_manifest=object_versions)


class LocalIndirection:
    """Same contract as the conductor RPC client, calling an in-process manager."""

    def __init__(self, manager):
        self._manager = manager
        self._serializer = obj_base.NimbusObjectSerializer()

    def _wire(self, context, value):
        return self._serializer.deserialize_entity(
            context, self._serializer.serialize_entity(context, value))

    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        result = self._manager.object_class_action_versions(
            context, objname, objmethod, object_versions, self._wire(context, args),
            self._wire(context, kwargs))
        return self._wire(context, result)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        result = self._manager.object_action(context, self._wire(context, objinst), objmethod,
                                             self._wire(context, args),
                                             self._wire(context, kwargs))
        return self._wire(context, result)

    def object_backport_versions(self, context, objinst, object_versions):
        return self._manager.object_backport_versions(context, objinst, object_versions)


def use_indirection(api):
    """Route every remotable method of this process through ``api``."""
    obj_base.NimbusObject.indirection_api = api
