"""/v2.1/images: the image proxy Nova kept until 2.35, over Nimbus's image API (the
metadata part, handlers/image_metadata.py, until 2.38)."""
from api_svc.handlers import servers as server_handlers
from api_svc.images import store
from api_svc.policies import images as image_policies
from api_svc import policy
from api_svc import request as api_request
from api_svc.views import common
from svc_common import exception

_STATUS = {store.ImageStatus.ACTIVE: 'ACTIVE', store.ImageStatus.QUEUED: 'SAVING',
           store.ImageStatus.SAVING: 'SAVING', store.ImageStatus.DEACTIVATED: 'ERROR'}


def check_version(req, last='2.35'):
    if not req.version.matches('2.1', last):
        raise exception.NotFound(message='The image proxy API is gone after %s: use the '
                                         'image API.' % last)


def _links(req, image):
    links = common.links(req, 'images', image.id)
    links.append({'rel': 'alternate', 'type': 'application/vnd.openstack.image',
                  'href': '%s/image/v2/images/%s' % (req.base_url, image.id)})
    return links


def status_of(image):
    return _STATUS.get(image.status, 'UNKNOWN')


def _detail(req, image):
    status = status_of(image)
    body = {
        'id': image.id, 'name': image.name, 'status': status,
        'progress': 100 if status == 'ACTIVE' else 0,
        'minDisk': image.min_disk, 'minRam': image.min_ram,
        'metadata': dict(image.properties), 'OS-EXT-IMG-SIZE:size': image.size,
        'created': common.iso_z(image.created_at), 'updated': common.iso_z(image.updated_at),
        'links': _links(req, image),
    }
    server_id = image.properties.get('instance_uuid')
    if server_id:  # a snapshot names the server it was taken of
        body['server'] = {'id': server_id, 'links': common.links(req, 'servers', server_id)}
    return body


def _filter(req):
    """A test of the proxy's filters that are not plain columns: status (as the proxy
    shows it), changes-since, server (the instance a snapshot is of), type, minRam,
    minDisk."""
    status = req.GET.get('status')
    since = req.query_time('changes-since')
    server = req.GET.get('server')
    kind = req.GET.get('type')
    min_ram = req.query_int('minRam', minimum=0)
    min_disk = req.query_int('minDisk', minimum=0)

    def matches(image):
        return ((status is None or status_of(image) == status.upper()) and
                (since is None or common.iso_z(image.updated_at) >= common.iso_z(since)) and
                (server is None or image.properties.get('instance_uuid') ==
                 server_handlers.ref_id(server)) and
                (kind is None or image.properties.get('image_type') == kind) and
                (min_ram is None or image.min_ram >= min_ram) and
                (min_disk is None or image.min_disk >= min_disk))
    return matches


def _images(req):
    check_version(req)
    limit, marker = req.paging()
    filters = {'name': req.GET['name']} if req.GET.get('name') else {}
    images = list(filter(_filter(req), store.list_images(req.context, filters)))
    if marker is not None:
        ids = [i.id for i in images]
        if marker not in ids:
            raise exception.MarkerNotFound(marker=marker)
        images = images[ids.index(marker) + 1:]
    return images[:limit]


def index(req):
    images = _images(req)
    return api_request.json_response({'images': [
        {'id': i.id, 'name': i.name, 'links': _links(req, i)} for i in images]})


def detail(req):
    images = _images(req)
    return api_request.json_response({'images': [_detail(req, i) for i in images]})


def show(req, image_id):
    check_version(req)
    return api_request.json_response({'image': _detail(req, store.get(req.context,
                                                                        image_id))})


def delete(req, image_id):
    check_version(req)
    image = store.get(req.context, image_id)
    policy.authorize(req.context, image_policies.DELETE, {'project_id': image.owner})
    store.delete(req.context, image_id)
    return api_request.empty_response(204)
