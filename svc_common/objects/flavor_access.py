"""Flavor access: the projects that may use a private flavor (besides admins).

Rows go with their flavor (``Flavor.destroy`` removes them in its transaction). A
public flavor needs none; a row for one (possible before microversion 2.7) is kept but
changes nothing.
"""
from oslo_db import exception as db_exc

from svc_common.db import api as db_api
from svc_common.db import models
from svc_common import exception


def _rows(context, flavor):
    return context.session.query(models.FlavorProject).filter_by(flavor_id=flavor.id)


@db_api.reader
def projects(context, flavor) -> list:
    """The projects with access to ``flavor``, in the order they were given it."""
    return [row.project_id for row in _rows(context, flavor).order_by(models.FlavorProject.id)]


@db_api.reader
def has_access(context, flavor, project_id) -> bool:
    return _rows(context, flavor).filter_by(project_id=project_id).first() is not None


@db_api.writer
def add(context, flavor, project_id):
    """Give ``project_id`` access; FlavorAccessExists if it has it already."""
    context.session.add(models.FlavorProject(flavor_id=flavor.id, project_id=project_id))
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.FlavorAccessExists(flavor_id=flavor.flavorid, project_id=project_id)
    except db_exc.DBReferenceError:  # the flavor was deleted meanwhile
        raise exception.FlavorNotFound(flavor_id=flavor.flavorid)


@db_api.writer
def remove(context, flavor, project_id):
    """Take access away; FlavorAccessNotFound if ``project_id`` has none."""
    if not _rows(context, flavor).filter_by(project_id=project_id).delete(
            synchronize_session=False):
        raise exception.FlavorAccessNotFound(flavor_id=flavor.flavorid, project_id=project_id)


def remove_all(context, flavor_row_id):
    """Inside a flavor's deleting transaction: drop its access rows."""
    context.session.query(models.FlavorProject).filter_by(flavor_id=flavor_row_id).delete(
        synchronize_session=False)
