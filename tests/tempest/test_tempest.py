"""The Tempest tier: Tempest's compute API tests against a Nimbus deployment behind a
private Keystone (see cloud.py), with the selection of selection.py.

Every test must pass or be skipped by Tempest itself, but for the known gaps of
selection.py (run and reported, their failure accepted); the totals, the failures, the
known gaps and the slowest tests go to the end of pytest's report.
"""
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from tests.integration import deployment as deployment_mod
from tests.tempest import cloud as cloud_mod
from tests.tempest import keystone as keystone_mod
from tests.tempest import results as results_mod
from tests.tempest import selection
from tests.tempest import tempest_conf

pytestmark = pytest.mark.tempest

BIN = pathlib.Path(sys.executable).parent
CONCURRENCY = 2
TIMEOUT = 900
# Fewer passes than this means a broken set-up that made Tempest skip what it should run.
MIN_PASSED = 280  # 286 pass today (381 run, 95 skipped by Tempest for absent services)


@pytest.fixture
def tempest_cloud(tmp_path):
    missing = keystone_mod.missing()
    if missing:
        pytest.skip(missing)
    with cloud_mod.cloud(tmp_path) as cloud:
        yield cloud


@pytest.fixture
def nimbus(tempest_cloud):
    """The deployment (so a failure report carries its service logs)."""
    return tempest_cloud.nimbus


def _run_tempest(workdir):
    """``tempest run`` in its own process group (its stestr workers included); its exit
    code. Past TIMEOUT the whole group is killed."""
    command = [str(BIN / 'tempest'), 'run', '--config-file', 'tempest.conf',
               '--concurrency', str(CONCURRENCY), '--regex', selection.include_regex()]
    with open(workdir / 'tempest-run.txt', 'wb') as out:
        proc = subprocess.Popen(command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise AssertionError('tempest run took over %d s; its output: %s' % (
            TIMEOUT, workdir / 'tempest-run.txt'))


def test_tempest_compute_api(tmp_path, tempest_cloud, nimbus):
    workdir = tmp_path / 'tempest'
    workdir.mkdir()
    tempest_conf.write(workdir / 'tempest.conf', workdir, tempest_cloud.keystone,
                       tempest_cloud.image_ref, tempest_cloud.image_ref_alt,
                       compute_nodes=len(cloud_mod.COMPUTE_HOSTS))
    subprocess.run([str(BIN / 'stestr'), 'init'], cwd=workdir, check=True,
                   capture_output=True)
    started = time.monotonic()
    returncode = _run_tempest(workdir)
    wall = time.monotonic() - started
    results = results_mod.read_last_run(BIN / 'stestr', workdir)
    failed = {test_id for test_id, r in results.items() if r.status == 'failed'}
    gaps = {test_id: selection.known_gap(test_id) for test_id in results
            if selection.known_gap(test_id)}
    deployment_mod.REPORTS.append(('tempest (%s)' % workdir, '\n'.join(
        results_mod.summary(results, wall) +
        ['Known gaps (run; Nimbus lacks it):' if gaps else 'Known gaps: none'] +
        ['  %s %s: %s' % ('FAILED' if test_id in failed else results[test_id].status,
                          test_id, why) for test_id, why in sorted(gaps.items())])))
    counts = results_mod.counts(results)
    unexpected = {test_id: r for test_id, r in results.items()
                  if test_id in failed - set(gaps) or r.status == 'unexpected success'}
    assert not unexpected, 'Tempest failures (full log: %s):\n%s' % (
        workdir / 'tempest.log', results_mod.failure_details(unexpected))
    closed = [test_id for test_id in gaps if results[test_id].status == 'passed']
    assert not closed, 'known gaps that pass now (take them out of KNOWN_GAPS): %s' % closed
    assert returncode == 0 or failed <= set(gaps), (
        workdir / 'tempest-run.txt').read_text()[-5000:]
    assert selection.ONLY or counts['passed'] >= MIN_PASSED, counts
