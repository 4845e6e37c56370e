"""A server's addresses as Nova shows them: {network label: [address, ...]}, with the
address type and MAC in server bodies (OS-EXT-IPS, OS-EXT-IPS-MAC) and without them
under /servers/{id}/ips."""
from api_svc import network_api


def grouped(fixed_ips, extended=True):
    """{label: [address]} of a server's FixedIPs."""
    out = {}
    for fixed_ip in fixed_ips:
        address = {'version': 4, 'addr': fixed_ip.address}
        if extended:
            address['OS-EXT-IPS:type'] = 'fixed'
            address['OS-EXT-IPS-MAC:mac_addr'] = fixed_ip.mac_address
        out.setdefault(fixed_ip.network.label, []).append(address)
    return out


def by_label(context, instance_uuid, extended=True):
    return grouped(network_api.addresses_of(context, [instance_uuid])[instance_uuid],
                   extended)
