"""Pieces every Compute view uses: links and timestamps."""
import datetime
from urllib.parse import urlencode

API_PREFIX = '/v2.1'


def links(req, collection, item_id):
    """Nova's self (versioned) and bookmark (unversioned) links of a resource."""
    return links_at(req.base_url, collection, item_id)


def links_at(base, collection, item_id):
    """links() under ``base`` (a request's base_url, read once for a list's items)."""
    return [{'rel': 'self', 'href': '%s%s/%s/%s' % (base, API_PREFIX, collection, item_id)},
            {'rel': 'bookmark', 'href': '%s/%s/%s' % (base, collection, item_id)}]


def bookmark(req, collection, item_id):
    return bookmark_at(req.base_url, collection, item_id)


def bookmark_at(base, collection, item_id):
    return [{'rel': 'bookmark', 'href': '%s/%s/%s' % (base, collection, item_id)}]


def next_link(req, collection, marker):
    """The 'next page' link: this request's query with the marker replaced."""
    params = [(k, v) for k, v in req.GET.items() if k != 'marker']
    params.append(('marker', marker))
    return [{'rel': 'next', 'href': '%s%s/%s?%s' % (req.base_url, API_PREFIX, collection,
                                                   urlencode(params))}]


def _utc(value):
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


# isoformat rather than strftime: the same text (four-digit years) at a third of the
# cost; a server body has two or more of these, and a list poll has many bodies.
def iso_z(value):
    """'2024-05-01T12:00:00Z', what Nova uses for created/updated."""
    return None if value is None else _utc(value).isoformat(timespec='seconds') + 'Z'


def iso_micro(value):
    """'2024-05-01T12:00:00.000000', what Nova uses for launched_at, updated_at of
    services and the like."""
    return None if value is None else _utc(value).isoformat(timespec='microseconds')
