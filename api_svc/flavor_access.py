"""Who may use a flavor: a public one anyone, a private one admins and the projects it
was given to (os-flavor-access). To anyone else a private flavor does not exist, as in
Nova."""
from svc_common import exception
from svc_common import objects
from svc_common.objects import flavor_access


def get_visible(context, flavor_id):
    """The flavor ``flavor_id``; FlavorNotFound if ``context`` may not see it."""
    flavor = objects.Flavor.get_by_flavor_id(context, flavor_id)
    if not (flavor.is_public or context.is_admin or
            flavor_access.has_access(context, flavor, context.project_id)):
        raise exception.FlavorNotFound(flavor_id=flavor_id)
    return flavor


def list_filters(context, is_public):
    """FlavorList filters for a caller asking for ``is_public`` (True, False or None for
    all; only admins choose): the public flavors always come with the private ones the
    caller's project may use."""
    if not context.is_admin:
        return {'is_public': True, 'include_disabled': False,
                'access_project_id': context.project_id}
    return {'is_public': is_public, 'access_project_id': context.project_id}
