from oslo_config import cfg

group = cfg.OptGroup('api', title='REST API options')

opts = [
    cfg.HostAddressOpt('listen', default='127.0.0.1', help='Address the API binds to.'),
    cfg.PortOpt('port', default=8774, help='Port the API listens on.'),
    cfg.StrOpt('auth_strategy', default='keystone', choices=['keystone', 'noauth'],
               help="'keystone' wraps the API in keystonemiddleware's auth_token; 'noauth' "
                    "takes user, project and roles from headers or the token string "
                    "(development and tests only)."),
    cfg.BoolOpt('noauth_allow_anonymous', default=False,
                help="In 'noauth' mode, serve a request that carries no X-Auth-Token "
                     "and no identity headers as an admin. Off, such a request gets a "
                     "401, so a web page cannot drive a local all-in-one."),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Largest number of items a list call returns in one page.'),
    cfg.StrOpt('public_endpoint',
               help='Base URL used in links; defaults to the request host URL.'),
    cfg.IntOpt('graceful_shutdown_timeout', default=30, min=0,
               help='Seconds a stopping nimbus-api waits for requests in flight.'),
    cfg.IntOpt('threads', default=8, min=1,
               help='Worker threads serving requests (the all-in-one and nimbus-api).'),
    cfg.IntOpt('connection_limit', default=100, min=1,
               help='Most client connections open at once; more wait to be accepted.'),
    cfg.IntOpt('client_socket_timeout', default=60, min=1,
               help='Seconds a client connection may stay idle (or send nothing of the '
                    'request it started) before it is closed.'),
    cfg.IntOpt('max_request_body_size', default=114688, min=1024,
               help='Largest request body in bytes (image data uploads excepted: '
                    '[image]/max_image_size_mb limits those); larger ones get a 413.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
