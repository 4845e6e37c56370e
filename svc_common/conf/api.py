from oslo_config import cfg

group = cfg.OptGroup('api', title='REST API options')

opts = [
    cfg.HostAddressOpt('listen', default='127.0.0.1', help='Address the API binds to.'),
    cfg.PortOpt('port', default=8774, help='Port the API listens on.'),
    cfg.StrOpt('auth_strategy', default='keystone', choices=['keystone', 'noauth'],
               help="'keystone' wraps the API in keystonemiddleware's auth_token; 'noauth' "
                    "takes user, project and roles from headers or the token string "
                    "(development and tests only)."),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Largest number of items a list call returns in one page.'),
    cfg.StrOpt('public_endpoint',
               help='Base URL used in links; defaults to the request host URL.'),
    cfg.IntOpt('graceful_shutdown_timeout', default=30, min=0,
               help='Seconds a stopping nimbus-api waits for requests in flight.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
