"""nimbus-manage: database schema, flavors and services, for operators.

    nimbus-manage [--config-file F] db sync|version
    nimbus-manage flavor list | create NAME --id ID --ram MB --vcpus N --disk GB
                  [--ephemeral GB] [--swap MB] [--private] | create-defaults | delete ID
    nimbus-manage service list
    nimbus-manage network list | create --label L --cidr C [--bridge B] [--gateway G]
                  [--project P] | delete ID
"""
import argparse
import sys

from svc_common.cmd import common
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import defaults
from svc_common import exception
from svc_common import objects


def _parser():
    parser = argparse.ArgumentParser(prog='nimbus-manage')
    sub = parser.add_subparsers(dest='category', required=True)
    db = sub.add_parser('db').add_subparsers(dest='action', required=True)
    db.add_parser('sync', help='Upgrade the schema to the newest revision.')
    db.add_parser('version', help='Print the current schema revision.')
    flavor = sub.add_parser('flavor').add_subparsers(dest='action', required=True)
    flavor.add_parser('list')
    flavor.add_parser('create-defaults')
    create = flavor.add_parser('create')
    create.add_argument('name')
    create.add_argument('--id', required=True)
    create.add_argument('--ram', type=int, required=True)
    create.add_argument('--vcpus', type=int, required=True)
    create.add_argument('--disk', type=int, required=True)
    create.add_argument('--ephemeral', type=int, default=0)
    create.add_argument('--swap', type=int, default=0)
    create.add_argument('--private', action='store_true')
    delete = flavor.add_parser('delete')
    delete.add_argument('id')
    service = sub.add_parser('service').add_subparsers(dest='action', required=True)
    service.add_parser('list')
    _network_parser(sub)
    return parser


def _network_parser(sub):
    network = sub.add_parser('network', help="The operator's flat networks guests get "
                                             "their fixed addresses on.")
    actions = network.add_subparsers(dest='action', required=True)
    actions.add_parser('list')
    create = actions.add_parser('create')
    create.add_argument('--label', required=True)
    create.add_argument('--cidr', required=True, help='an IPv4 CIDR, e.g. 10.0.0.0/24')
    create.add_argument('--bridge', help='the host bridge guests\' NICs join (without '
                                         'one, guests get an address but no NIC)')
    create.add_argument('--gateway', help='default: the first host of the CIDR')
    create.add_argument('--project', help="a project's own network (default: shared)")
    delete = actions.add_parser('delete', help='refused while addresses are allocated')
    delete.add_argument('id')


def _table(rows, headers):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = '  '.join('%-*s' % (w, h) for w, h in zip(widths, headers))
    print(line)
    for row in rows:
        print('  '.join('%-*s' % (w, v) for w, v in zip(widths, row)))


def _db(args):
    import migrations
    if args.action == 'sync':
        migrations.upgrade(CONF.database.connection)
        print('Database at revision', migrations.current(CONF.database.connection))
    else:
        print(migrations.current(CONF.database.connection))


def _flavor(args, context):
    if args.action == 'list':
        _table([(f.flavorid, f.name, f.vcpus, f.memory_mb, f.root_gb, f.ephemeral_gb,
                 f.is_public) for f in objects.FlavorList.get_all(context)],
               ('ID', 'Name', 'VCPUs', 'RAM', 'Disk', 'Ephemeral', 'Public'))
    elif args.action == 'create-defaults':
        print('Created:', ', '.join(defaults.create_default_flavors(context)) or 'nothing')
    elif args.action == 'create':
        objects.Flavor(context=context, flavorid=args.id, name=args.name,
                       memory_mb=args.ram, vcpus=args.vcpus, root_gb=args.disk,
                       ephemeral_gb=args.ephemeral, swap=args.swap,
                       is_public=not args.private).create()
        print('Created flavor', args.name)
    elif args.action == 'delete':
        objects.Flavor.get_by_flavor_id(context, args.id).destroy()
        print('Deleted flavor', args.id)


def _service(args, context):
    _table([(s.id, s.binary, s.host, 'disabled' if s.disabled else 'enabled',
             'up' if s.is_up(CONF.service_down_time) else 'down', s.last_seen_up)
            for s in objects.ServiceList.get_all(context)],
           ('ID', 'Binary', 'Host', 'Status', 'State', 'Last seen'))


def _network(args, context):
    if args.action == 'list':
        _table([(n.uuid, n.label, n.cidr, n.gateway, n.bridge or '-',
                 n.project_id or '(shared)') for n in objects.NetworkList.get_all(context)],
               ('ID', 'Label', 'CIDR', 'Gateway', 'Bridge', 'Project'))
    elif args.action == 'create':
        network = objects.Network(context=context, label=args.label, cidr=args.cidr,
                                  gateway=args.gateway, bridge=args.bridge,
                                  project_id=args.project)
        network.create()
        print('Created network', network.uuid)
    elif args.action == 'delete':
        objects.Network.get_by_uuid(context, args.id).destroy()
        print('Deleted network', args.id)


_CATEGORIES = {'flavor': _flavor, 'service': _service, 'network': _network}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    # oslo.config options (--config-file, --config-dir) come before the command.
    split = next((i for i, a in enumerate(argv) if a == 'db' or a in _CATEGORIES),
                 len(argv))
    common.setup(argv[:split], 'nimbus-manage')
    args = _parser().parse_args(argv[split:])
    common.init_database()
    context = nimbus_context.get_admin_context()
    try:
        if args.category == 'db':
            _db(args)
        else:
            _CATEGORIES[args.category](args, context)
    except exception.NimbusException as error:
        print('Error:', error, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
