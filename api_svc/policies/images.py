"""Image API policies, named as Glance names them."""
from api_svc.policies import base

GET = 'get_image'
LIST = 'get_images'
ADD = 'add_image'
MODIFY = 'modify_image'
UPLOAD = 'upload_image'
DOWNLOAD = 'download_image'
DELETE = 'delete_image'
PUBLICIZE = 'publicize_image'

_IMAGE = '/v2/images/{image_id}'

rules = [
    base.rule(GET, base.ANY, 'Show an image the caller can see.', ('GET', _IMAGE)),
    base.rule(LIST, base.ANY, 'List the images the caller can see.', ('GET', '/v2/images')),
    base.rule(ADD, base.PROJECT_MEMBER_OR_ADMIN, 'Create an image.', ('POST', '/v2/images')),
    base.rule(MODIFY, base.PROJECT_MEMBER_OR_ADMIN, 'Change an image.', ('PATCH', _IMAGE)),
    base.rule(UPLOAD, base.PROJECT_MEMBER_OR_ADMIN, "Upload an image's data.",
              ('PUT', _IMAGE + '/file')),
    base.rule(DOWNLOAD, base.ANY, "Download an image's data.", ('GET', _IMAGE + '/file')),
    base.rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN, 'Delete an image.', ('DELETE', _IMAGE)),
    base.rule(PUBLICIZE, base.ADMIN, 'Make an image public.', ('POST', '/v2/images'),
              ('PATCH', _IMAGE)),
]


def list_rules():
    return rules
