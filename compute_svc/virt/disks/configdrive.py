"""Config drives: what an instance is told about itself, on a disk the guest can read.

An ISO 9660 image labelled ``config-2`` in the layout cloud-init's ConfigDrive source
reads::

    openstack/latest/meta_data.json      uuid, name, hostname, keys, metadata, zone
    openstack/latest/user_data           the user data, decoded (when there is any)
    openstack/latest/network_data.json   each NIC (link) and its static IPv4 address
    openstack/latest/vendor_data.json    {}
    openstack/latest/vendor_data2.json   {}

Names are kept as they are through Rock Ridge (which Linux reads) and Joliet. The drive is
made from the instance record each time its guest is defined, so that it always says
what the record says (after a rebuild, a resize, a migration).
"""
import base64
import binascii
import io
import json
import os

from svc_common.conf import CONF

LABEL = 'config-2'
VERSION_DIR = 'openstack/latest'


def _field(instance, name, default=None):
    return getattr(instance, name) if instance.obj_attr_is_set(name) else default


def required(instance):
    """Whether an instance gets a config drive (asked for, or forced by the host)."""
    return bool(_field(instance, 'config_drive')) or CONF.compute.force_config_drive


def user_data(instance):
    """The instance's user data as bytes (the API stores it base64-encoded), or None."""
    encoded = (_field(instance, 'system_metadata') or {}).get('user_data')
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return encoded.encode('utf-8')  # the API checks it; anything else is kept as is


def meta_data(instance):
    keys = []
    if _field(instance, 'key_data'):
        keys.append({'name': _field(instance, 'key_name') or 'key', 'type': 'ssh',
                     'data': instance.key_data})
    return {
        'uuid': instance.uuid,
        'name': _field(instance, 'display_name'),
        'hostname': _field(instance, 'hostname'),
        'launch_index': _field(instance, 'launch_index') or 0,
        'availability_zone': _field(instance, 'availability_zone') or
        CONF.default_availability_zone,
        'project_id': _field(instance, 'project_id'),
        'public_keys': {k['name']: k['data'] for k in keys},
        'keys': keys,
        'meta': dict(_field(instance, 'metadata') or {}),
        'devices': [],
    }


def network_data(vifs=()):
    """The guest's NICs (links, by MAC) and the static address of each (networks); the
    first network's gateway is the default route. ``vifs``: driver.Vif-like records."""
    links, networks = [], []
    for index, vif in enumerate(vifs):
        link = 'interface%d' % index
        links.append({'id': link, 'type': 'bridge', 'ethernet_mac_address': vif.mac_address,
                      'mtu': None})
        routes = [{'network': '0.0.0.0', 'netmask': '0.0.0.0', 'gateway': vif.gateway}] \
            if index == 0 and vif.gateway else []
        networks.append({'id': 'network%d' % index, 'type': 'ipv4', 'link': link,
                         'ip_address': vif.address, 'netmask': vif.netmask,
                         'routes': routes, 'network_id': vif.network_id})
    return {'links': links, 'networks': networks, 'services': []}


def files(instance, vifs=()):
    """{path in the drive: bytes} for an instance with NICs ``vifs``."""
    out = {
        VERSION_DIR + '/meta_data.json': json.dumps(meta_data(instance)).encode(),
        VERSION_DIR + '/network_data.json': json.dumps(network_data(vifs)).encode(),
        VERSION_DIR + '/vendor_data.json': b'{}',
        VERSION_DIR + '/vendor_data2.json': b'{}',
    }
    data = user_data(instance)
    if data is not None:
        out[VERSION_DIR + '/user_data'] = data
    return out


def build_iso(contents, path):
    """Write an ISO 9660 image labelled ``config-2`` holding ``contents``
    ({relative path: bytes}) at ``path``."""
    import pycdlib  # only hosts that make config drives need it

    iso = pycdlib.PyCdlib()
    # Level 4 (ISO 9660:1999) keeps lower case and long names in the primary tree too.
    iso.new(interchange_level=4, vol_ident=LABEL, rock_ridge='1.09', joliet=3)
    made = set()
    for name in sorted(contents):
        parts = name.split('/')
        for depth in range(1, len(parts)):
            directory = '/' + '/'.join(parts[:depth])
            if directory not in made:
                iso.add_directory(directory, rr_name=parts[depth - 1],
                                  joliet_path=directory)
                made.add(directory)
        data = contents[name]
        iso.add_fp(io.BytesIO(data), len(data), '/' + name, rr_name=parts[-1],
                   joliet_path='/' + name)
    try:
        iso.write(path)
    finally:
        iso.close()


def read_iso(path):
    """{relative path: bytes} of the files in an ISO image (by Rock Ridge names), and its
    volume label: for checking what a drive holds."""
    import pycdlib

    iso = pycdlib.PyCdlib()
    iso.open(path)
    try:
        label = iso.pvd.volume_identifier.decode().strip()
        out = {}
        for root, _dirs, names in iso.walk(rr_path='/'):
            for name in names:
                rr_path = (root.rstrip('/') + '/' + name)
                buf = io.BytesIO()
                iso.get_file_from_iso_fp(buf, rr_path=rr_path)
                out[rr_path.lstrip('/')] = buf.getvalue()
        return label, out
    finally:
        iso.close()


def make(instance, path, vifs=()):
    """Write the config drive of ``instance`` (with NICs ``vifs``) at ``path``
    (replacing what is there)."""
    tmp = path + '.tmp'
    build_iso(files(instance, vifs), tmp)
    os.replace(tmp, path)
