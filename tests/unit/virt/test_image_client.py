"""The compute host's image client against a Glance v2 look-alike over real HTTP."""
import pytest

from svc_common import exception
from compute_svc.virt.disks import image_client
from tests.libvirt import image_server


@pytest.fixture
def server(tmp_path):
    srv = image_server.ImageServer(str(tmp_path / 'store')).start()
    yield srv
    srv.stop()


@pytest.fixture
def image(server, tmp_path):
    data = tmp_path / 'data'
    data.write_bytes(b'0123456789' * 100000)
    return server.add(str(data), 'raw', kernel_id='k-1')


def test_show_and_download(server, image, tmp_path):
    client = image_client.HttpImageClient(server.url)
    record = client.show(None, image['id'])
    assert record['disk_format'] == 'raw' and record['kernel_id'] == 'k-1'
    dst = tmp_path / 'copy'
    assert client.download(None, image['id'], str(dst), record) == 1000000
    assert dst.read_bytes() == b'0123456789' * 100000
    assert server.downloads[image['id']] == 1


def test_missing_image(server):
    client = image_client.HttpImageClient(server.url)
    with pytest.raises(exception.ImageNotFound):
        client.show(None, 'nope')


def test_altered_data_is_refused(server, image, tmp_path):
    client = image_client.HttpImageClient(server.url)
    with open(server.store_dir + '/' + image['id'], 'r+b') as f:
        f.write(b'X')  # the record's hash no longer matches
    with pytest.raises(exception.ImageDownloadFailed, match='hash'):
        client.download(None, image['id'], str(tmp_path / 'copy'), image)


def test_unreachable_api(tmp_path):
    client = image_client.HttpImageClient('http://127.0.0.1:9/image', timeout=2)
    with pytest.raises(exception.ImageDownloadFailed):
        client.show(None, 'x')


def test_store_client_reads_data_files_only(tmp_path):
    (tmp_path / 'img-1').write_bytes(b'abc')
    client = image_client.StoreImageClient(str(tmp_path))
    assert client.download(None, 'img-1', str(tmp_path / 'out')) == 3
    with pytest.raises(exception.ImageNotFound):
        client.download(None, '../img-1', str(tmp_path / 'out'))
    with pytest.raises(exception.ImageDownloadFailed, match='api_endpoint'):
        client.show(None, 'img-1')
