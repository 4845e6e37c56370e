"""bench/run works: the lifecycle benchmark at its smallest, through bench/run, prints its
table and writes its results; the disk-path and image-cache benchmarks at their smallest;
the instruction counting the --instructions modes use (the benchmarks themselves are not
part of the tests)."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
from unittest import mock

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


def test_instructions_are_counted_per_part_between_marks(tmp_path, monkeypatch):
    """``harness.instructions``, which the benchmarks' --instructions modes run on: a
    script under callgrind, one count per part between two marks. The second part does
    ten times the first's work, so it counts about ten times the instructions. (The
    script marks as ``harness.mark`` does, without importing the harness: that import
    alone takes most of a minute under valgrind.)"""
    if shutil.which('valgrind') is None:
        pytest.skip('valgrind missing (apt-get install valgrind)')
    monkeypatch.syspath_prepend(str(ROOT / 'bench'))
    import harness
    with mock.patch.object(os, 'getppid') as getppid:
        harness.mark()
    getppid.assert_called_once_with()
    script = tmp_path / 'marked.py'
    script.write_text('import os, sys\n'
                      'os.getppid()\n'
                      'sum(range(20000))\n'
                      'os.getppid()\n'
                      'sum(range(200000))\n'
                      'os.getppid()\n'
                      'print("done", sys.argv[1:])\n')
    stdout, (first, second) = harness.instructions(script, ['--a'])
    assert stdout == "done ['--a']\n"
    assert 8 < second / first < 12, (first, second)
