"""/v2.1/images: the image proxy Nova kept until 2.35 (read-only here)."""
from api_svc.images import store
from api_svc import request as api_request
from api_svc.views import common
from svc_common import exception

_STATUS = {store.ImageStatus.ACTIVE: 'ACTIVE', store.ImageStatus.QUEUED: 'SAVING',
           store.ImageStatus.SAVING: 'SAVING', store.ImageStatus.DEACTIVATED: 'ERROR'}


def _check_version(req):
    if req.version.matches('2.36'):
        raise exception.NotFound(message='The image proxy API is gone since 2.36: use the '
                                         'image API.')


def _links(req, image):
    links = common.links(req, 'images', image.id)
    links.append({'rel': 'alternate', 'type': 'application/vnd.openstack.image',
                  'href': '%s/image/v2/images/%s' % (req.base_url, image.id)})
    return links


def _detail(req, image):
    status = _STATUS.get(image.status, 'UNKNOWN')
    return {
        'id': image.id, 'name': image.name, 'status': status,
        'progress': 100 if status == 'ACTIVE' else 0,
        'minDisk': image.min_disk, 'minRam': image.min_ram,
        'metadata': dict(image.properties), 'OS-EXT-IMG-SIZE:size': image.size,
        'created': common.iso_z(image.created_at), 'updated': common.iso_z(image.updated_at),
        'links': _links(req, image),
    }


def _images(req):
    _check_version(req)
    limit, marker = req.paging()
    filters = {}
    if req.GET.get('name'):
        filters['name'] = req.GET['name']
    return store.list_images(req.context, filters, limit=limit, marker=marker)


def index(req):
    images = _images(req)
    return api_request.json_response({'images': [
        {'id': i.id, 'name': i.name, 'links': _links(req, i)} for i in images]})


def detail(req):
    images = _images(req)
    return api_request.json_response({'images': [_detail(req, i) for i in images]})


def show(req, image_id):
    _check_version(req)
    return api_request.json_response({'image': _detail(req, store.get(req.context,
                                                                        image_id))})
