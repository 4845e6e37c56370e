"""A small Glance v2 look-alike for tests: images held as files, every download counted.

Serves ``GET /v2/images/{id}``, ``GET /v2/images/{id}/file``, ``POST /v2/images`` and
``PUT /v2/images/{id}/file`` under ``<url>`` (the endpoint an ImageClient is given).
"""
import collections
import hashlib
import http.server
import json
import os
import shutil
import threading
import time
import uuid


class ImageServer:

    def __init__(self, store_dir, file_delay=0.0):
        self.store_dir = store_dir
        os.makedirs(store_dir, exist_ok=True)
        self.file_delay = file_delay
        self.records = {}
        self.downloads = collections.Counter()
        self.download_times = collections.defaultdict(list)   # (start, end) per download
        self._lock = threading.Lock()
        self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return 'http://127.0.0.1:%d/image' % self._httpd.server_address[1]

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()

    def add(self, path, disk_format, container_format='bare', image_id=None, **props):
        """Register a copy of ``path`` as an active image; returns its record."""
        image_id = image_id or str(uuid.uuid4())
        data_path = os.path.join(self.store_dir, image_id)
        shutil.copyfile(path, data_path)
        return self._activate(image_id, dict(props, id=image_id, name=props.get(
            'name', os.path.basename(path)), disk_format=disk_format,
            container_format=container_format))

    def _activate(self, image_id, record):
        data_path = os.path.join(self.store_dir, image_id)
        md5, sha512 = hashlib.md5(), hashlib.sha512()
        with open(data_path, 'rb') as f:
            while chunk := f.read(1 << 20):
                md5.update(chunk)
                sha512.update(chunk)
        record.update(status='active', size=os.path.getsize(data_path),
                      checksum=md5.hexdigest(), os_hash_algo='sha512',
                      os_hash_value=sha512.hexdigest(), min_disk=record.get('min_disk', 0))
        with self._lock:
            self.records[image_id] = record
        return dict(record)


def _handler(server):  # noqa: C901

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *args):
            pass

        def _parts(self):
            path = self.path.split('?')[0]
            prefix = '/image/v2/images'
            if not path.startswith(prefix):
                return None
            return [p for p in path[len(prefix):].split('/') if p]

        def _json(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            parts = self._parts()
            record = server.records.get(parts[0]) if parts else None
            if record is None:
                return self._json(404, {'message': 'not found'})
            if len(parts) == 1:
                return self._json(200, record)
            start = time.monotonic()
            with server._lock:
                server.downloads[parts[0]] += 1
            if server.file_delay:
                time.sleep(server.file_delay)
            path = os.path.join(server.store_dir, parts[0])
            self.send_response(200)
            self.send_header('Content-Type', 'application/octet-stream')
            self.send_header('Content-Length', str(os.path.getsize(path)))
            self.end_headers()
            with open(path, 'rb') as f:
                shutil.copyfileobj(f, self.wfile)
            with server._lock:
                server.download_times[parts[0]].append((start, time.monotonic()))

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
            image_id = body.get('id') or str(uuid.uuid4())
            record = dict(body, id=image_id, status='queued')
            with server._lock:
                server.records[image_id] = record
            self._json(201, record)

        def do_PUT(self):
            parts = self._parts()
            if not parts or parts[0] not in server.records or parts[1:] != ['file']:
                return self._json(404, {'message': 'not found'})
            length = int(self.headers['Content-Length'])
            with open(os.path.join(server.store_dir, parts[0]), 'wb') as f:
                while length:
                    chunk = self.rfile.read(min(length, 1 << 20))
                    f.write(chunk)
                    length -= len(chunk)
            server._activate(parts[0], server.records[parts[0]])
            self.send_response(204)
            self.send_header('Content-Length', '0')
            self.end_headers()

    return Handler
