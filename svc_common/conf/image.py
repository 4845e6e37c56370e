from oslo_config import cfg

group = cfg.OptGroup('image', title='Image service options')

opts = [
    cfg.StrOpt('store_path', default='$state_path/images',
               help='Directory of the image API file store.'),
    cfg.StrOpt('store', default='file', choices=['file', 'rbd'],
               help='Where uploaded image data goes: files under store_path, or an RBD '
                    'image (with a protected snapshot compute hosts clone) in '
                    'rbd_store_pool.'),
    cfg.StrOpt('rbd_store_pool', default='images', help='Ceph pool of the RBD store.'),
    cfg.StrOpt('rbd_store_ceph_conf', default='/etc/ceph/ceph.conf',
               help='ceph.conf of the RBD store\'s cluster.'),
    cfg.StrOpt('rbd_store_user', help='Ceph client user of the RBD store.'),
    cfg.URIOpt('api_endpoint',
               help='Image API base URL (ending in /image) compute hosts download from; '
                    'unset means read the store directly (all-in-one).'),
    cfg.IntOpt('max_image_size_mb', default=10240, min=1,
               help='Largest image upload accepted.'),
    cfg.IntOpt('image_property_quota', default=128, min=0,
               help='Most free properties one image may have (413 beyond).'),
    cfg.IntOpt('image_tag_quota', default=128, min=0,
               help='Most tags one image may have (413 beyond).'),
    cfg.IntOpt('image_count_quota', default=1000, min=0,
               help='Most images one project may own (413 beyond).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
