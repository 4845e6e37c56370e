"""A real guest booted through the REST API against a bare libvirt start of the same
guest, in one run: all-in-one with the libvirt driver on this machine's libvirtd (QEMU),
the demo guest (tools/build-demo-guest) as the image.

    .venv/bin/python bench/real_guest.py [--boots 3]

Nimbus: POST /servers, then GET /servers/ID every 10 ms until ACTIVE (the guest is
started: ACTIVE is set once libvirt reports it running). Its image is cached on the
host by a first boot that is not counted. Baseline: the domain XML Nimbus made for the
same guest, on a fresh overlay of the same cached base, started with virDomainCreateXML
(the overlay made beforehand, so this is libvirt and QEMU alone). Prints the medians and
their ratio.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET

import libvirt

import harness  # bench/harness.py
from nimbus_cmd import all_in_one
from svc_common.conf import CONF

ROOT = pathlib.Path(__file__).resolve().parent.parent
GUEST_CACHE = pathlib.Path(os.environ.get('NIMBUS_TEST_GUEST_CACHE',
                                          '/var/cache/nimbus-test-guest'))
URI = 'qemu:///system'
HOST = 'bench-lv'


def _demo_guest():
    subprocess.run([str(ROOT / 'tools' / 'build-demo-guest'), '--out', str(GUEST_CACHE)],
                   check=True, stdout=subprocess.DEVNULL)
    return str(GUEST_CACHE)


def _boot(app, image, flavor):
    """Seconds from POST /servers to ACTIVE, and the server's id."""
    body = {'server': {'name': 'bench-guest', 'imageRef': image, 'flavorRef': flavor,
                       'networks': 'none'}}
    start = time.perf_counter()
    status, doc = harness.request(app, 'POST', '/v2.1/servers', body)
    assert status == 202, doc
    server_id = doc['server']['id']
    while True:
        _status, doc = harness.request(app, 'GET', '/v2.1/servers/%s' % server_id)
        server = doc['server']
        if server['status'] == 'ACTIVE' and not server['OS-EXT-STS:task_state']:
            return time.perf_counter() - start, server_id
        assert server['status'] != 'ERROR', server.get('fault')
        time.sleep(0.01)


def _delete(app, server_id):
    harness.request(app, 'DELETE', '/v2.1/servers/%s' % server_id)
    while harness.request(app, 'GET', '/v2.1/servers/%s' % server_id)[0] != 404:
        time.sleep(0.05)


def _bare_xml(conn, server_id, scratch):
    """The domain Nimbus defined for ``server_id``, renamed, on a fresh overlay in
    ``scratch`` over the same base, its console log there too."""
    root = ET.fromstring(conn.lookupByUUIDString(server_id).XMLDesc(0))
    root.find('name').text = 'nimbus-bench-bare-%s' % uuid.uuid4().hex[:8]
    root.find('uuid').text = str(uuid.uuid4())
    for meta in root.findall('metadata'):
        root.remove(meta)
    inst_dir = os.path.join(CONF.compute.instances_path, server_id)
    for source in root.iter('source'):
        for attr in ('file', 'path'):
            path = source.get(attr)
            if path and path.startswith(inst_dir + '/'):
                source.set(attr, os.path.join(scratch, os.path.basename(path)))
    for log in root.iter('log'):
        if log.get('file', '').startswith(inst_dir + '/'):
            log.set('file', os.path.join(scratch, 'console.log'))
    return root


def _bare_start(conn, template, scratch):
    """Seconds of virDomainCreateXML for the template on a new overlay of its base."""
    for sub in os.listdir(scratch):
        os.unlink(os.path.join(scratch, sub))
    for disk in template.iter('disk'):
        source = disk.find('source')
        path = source.get('file') if source is not None else None
        if path and path.startswith(scratch):
            backing = os.path.join(CONF.compute.instances_path, '_base')
            base = disk.find('backingStore/source')
            base_path = base.get('file') if base is not None else None
            fmt = disk.find('backingStore/format')
            if base_path is None:  # libvirt did not describe the chain: read it off
                base_path = os.path.join(backing, os.listdir(backing)[0])
            subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', base_path,
                            '-F', fmt.get('type') if fmt is not None else 'raw', path],
                           check=True)
    xml = ET.tostring(template, encoding='unicode')
    start = time.perf_counter()
    domain = conn.createXML(xml, 0)
    seconds = time.perf_counter() - start
    domain.destroy()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--boots', type=int, default=3)
    args = parser.parse_args()
    guest = _demo_guest()
    aio = harness.start([HOST], api_server=True, overrides={
        ('compute', 'compute_driver'): 'libvirt',
        ('libvirt', 'connection_uri'): URI})
    scratch = tempfile.mkdtemp(prefix='nimbus-bench-bare-')
    conn = libvirt.open(URI)
    try:
        image = all_in_one.register_demo_guest(guest)
        _status, flavors = harness.request(aio.app, 'GET', '/v2.1/flavors')
        flavor = next(f['id'] for f in flavors['flavors'] if f['name'] == 'm1.tiny')
        _seconds, warm = _boot(aio.app, image, flavor)  # fills the host's image cache
        template = _bare_xml(conn, warm, scratch)
        _delete(aio.app, warm)
        nimbus, bare = [], []
        for _ in range(args.boots):
            seconds, server_id = _boot(aio.app, image, flavor)
            nimbus.append(seconds)
            _delete(aio.app, server_id)
            bare.append(_bare_start(conn, template, scratch))
        rows = [{'what': 'REST boot -> ACTIVE (nimbus)', 'median_s': statistics.median(nimbus),
                 'all': ' '.join('%.3f' % s for s in nimbus)},
                {'what': 'virDomainCreateXML (bare libvirt)', 'median_s': statistics.median(bare),
                 'all': ' '.join('%.3f' % s for s in bare)}]
        rows[0]['ratio'] = rows[0]['median_s'] / rows[1]['median_s']
        harness.table('a real guest started, %d boots each' % args.boots,
                      [('what', 'what'), ('median_s', 'median s'), ('ratio', 'x bare'),
                       ('all', 'each boot (s)')], rows)
        harness.write('real_guest', vars(args), {'boots': rows})
    finally:
        conn.close()
        harness.stop(aio)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == '__main__':
    main()
