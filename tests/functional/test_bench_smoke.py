"""bench/run works: the lifecycle benchmark at its smallest, through bench/run, prints its
table and writes its results; the disk-path and image-cache benchmarks at their smallest
(the benchmarks themselves are not part of the tests)."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_bench_run_lifecycle_smallest(tmp_path):
    result = subprocess.run(
        [str(ROOT / 'bench' / 'run'), 'lifecycle', '--', '--servers', '2', '--transports',
         'inproc', '--latency-calls', '20'],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, NIMBUS_BENCH_RESULTS=str(tmp_path)))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'Server lifecycle' in result.stdout
    doc = json.loads((tmp_path / 'lifecycle.json').read_text())
    (row,) = doc['tables']['lifecycle']
    assert row['servers'] == 2 and row['transport'] == 'inproc'
    # Every server was booted, resized and confirmed through the API: three casts each.
    assert row['detail']['api']['rpc.cast'] == {'build_instances': 2, 'migrate_server': 2,
                                                'confirm_resize': 2}


def _bench_script(tmp_path, name, *args):
    """bench/NAME.py run at its smallest with this interpreter; its results document."""
    pytest.importorskip('libvirt', reason='libvirt-python missing: run tools/install-libvirt')
    result = subprocess.run(
        [sys.executable, str(ROOT / 'bench' / ('%s.py' % name))] + list(args),
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, NIMBUS_BENCH_RESULTS=str(tmp_path)))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((tmp_path / ('%s.json' % name)).read_text())


def test_bench_disk_path_smallest(tmp_path):
    doc = _bench_script(tmp_path, 'disk_path', '--sizes', '1,2', '--written-mib', '8',
                        '--repeat', '1', '--no-baseline')
    assert [row['virtual_gib'] for row in doc['tables']['same_host']] == [1, 2]
    assert all(row['shared'] for row in doc['tables']['same_host'])
    (nimbus,) = doc['tables']['cross_host']  # (the baseline writes a whole disk: skipped)
    assert nimbus['sent_vs_overlay'] <= 1.1  # only the overlay travels


def test_bench_image_cache_smallest(tmp_path):
    doc = _bench_script(tmp_path, 'image_cache', '--boots', '4', '--image-mib', '16')
    one, concurrent = doc['tables']['boots']
    assert (one['downloads'], concurrent['downloads']) == (1, 1)
    assert concurrent['boots'] == 4 and concurrent['failures'] == 0
