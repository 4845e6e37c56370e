"""Network bodies of /os-networks and /os-tenant-networks, in nova-network's format.

Everyone sees a network's addressing; an admin also sees how it is run (Nova's
"system-only" fields). Fields of what a flat network does not have (IPv6, VLANs, VPN,
DNS servers, multi-host) are there with nova-network's empty values."""
from api_svc.views import common

# nova-network's values for what these networks do not have.
_EMPTY = {'dns1': None, 'dns2': None, 'cidr_v6': None, 'gateway_v6': None,
          'netmask_v6': None}
_ADMIN_EMPTY = {'injected': False, 'vlan': None, 'vpn_public_address': None,
                'vpn_public_port': None, 'vpn_private_address': None, 'host': None,
                'bridge_interface': None, 'multi_host': False, 'priority': None,
                'rxtx_base': None, 'mtu': None, 'dhcp_server': None, 'enable_dhcp': False,
                'share_address': False}


def network(context, net):
    """An item of GET /os-networks, the body of GET /os-networks/{id}."""
    body = dict(_EMPTY, id=net.uuid, label=net.label, cidr=net.cidr, netmask=net.netmask,
                gateway=net.gateway, broadcast=net.broadcast)
    if context.is_admin:
        body.update(_ADMIN_EMPTY, bridge=net.bridge, dhcp_start=net.dhcp_start,
                    project_id=net.project_id, deleted=bool(net.deleted),
                    created_at=common.iso_micro(net.created_at),
                    updated_at=common.iso_micro(net.updated_at),
                    deleted_at=common.iso_micro(net.deleted_at))
    return body


def tenant_network(context, net):
    """An item of GET /os-tenant-networks."""
    return {'id': net.uuid, 'label': net.label, 'cidr': net.cidr}
