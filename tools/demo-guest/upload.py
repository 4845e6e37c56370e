"""Upload a built demo guest as a kernel/ramdisk/disk image triple through a Glance v2
API (standard library only, so any python3 can run it).

    python3 upload.py IMAGE_API_URL GUEST_DIR OS_COMMAND_LINE

Prints one "name id" line per image; the disk image last. OS_TOKEN, when set, is sent as
X-Auth-Token.
"""
import json
import os
import sys
import urllib.request


def main(endpoint, guest_dir, cmdline):
    endpoint = endpoint.rstrip('/')
    headers = {'Content-Type': 'application/json'}
    # A token is what every client sends; in no-auth mode any value will do.
    headers['X-Auth-Token'] = os.environ.get('OS_TOKEN') or 'no-auth'

    def create(name, disk_format, container_format, filename, **props):
        body = dict(name=name, disk_format=disk_format, container_format=container_format,
                    visibility='public', **props)
        req = urllib.request.Request(endpoint + '/v2/images', json.dumps(body).encode(),
                                     headers, method='POST')
        with urllib.request.urlopen(req) as resp:
            image = json.load(resp)
        path = os.path.join(guest_dir, filename)
        with open(path, 'rb') as data:
            req = urllib.request.Request(
                '%s/v2/images/%s/file' % (endpoint, image['id']), data,
                dict(headers, **{'Content-Type': 'application/octet-stream',
                                 'Content-Length': str(os.path.getsize(path))}),
                method='PUT')
            urllib.request.urlopen(req).close()
        print('%s %s' % (name, image['id']))
        return image['id']

    kernel = create('nimbus-demo-kernel', 'aki', 'aki', 'vmlinuz')
    ramdisk = create('nimbus-demo-ramdisk', 'ari', 'ari', 'initrd.img')
    create('nimbus-demo', 'qcow2', 'bare', 'root.qcow2', kernel_id=kernel,
           ramdisk_id=ramdisk, os_command_line=cmdline)


if __name__ == '__main__':
    main(*sys.argv[1:4])
