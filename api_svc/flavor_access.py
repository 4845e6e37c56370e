"""Who may use a flavor: a public one anyone, a private one only admins (Nimbus keeps no
flavor access lists, so no other project is ever granted one). To anyone else a private
flavor does not exist, as in Nova."""
from svc_common import exception
from svc_common import objects


def get_visible(context, flavor_id):
    """The flavor ``flavor_id``; FlavorNotFound if ``context`` may not see it."""
    flavor = objects.Flavor.get_by_flavor_id(context, flavor_id)
    if not flavor.is_public and not context.is_admin:
        raise exception.FlavorNotFound(flavor_id=flavor_id)
    return flavor
