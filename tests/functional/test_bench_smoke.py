"""bench/run works: the lifecycle benchmark at its smallest, through bench/run, prints its
table and writes its results (the benchmarks themselves are not part of the tests)."""
import json
import os
import pathlib
import subprocess

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
