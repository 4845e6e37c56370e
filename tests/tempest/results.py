"""What a ``tempest run`` did, read from its stestr repository (subunit v2)."""
import collections
import dataclasses
import io
import subprocess

import subunit
import testtools

# subunit status -> the word Tempest's summary uses.
_WORDS = {'success': 'passed', 'skip': 'skipped', 'fail': 'failed',
          'xfail': 'expected fail', 'uxsuccess': 'unexpected success'}


@dataclasses.dataclass
class Result:
    status: str  # a word of _WORDS' values
    seconds: float = 0.0
    details: str = ''  # a failure's traceback, a skip's reason


class _Collector(testtools.StreamResult):
    def __init__(self):
        super().__init__()
        self.results = {}
        self._started = {}
        self._files = collections.defaultdict(bytes)

    def status(self, test_id=None, test_status=None, file_name=None, file_bytes=None,
               timestamp=None, **kwargs):
        if test_id is None:
            return
        if file_name and file_bytes:
            self._files[test_id, file_name] += bytes(file_bytes)
        if test_status == 'inprogress':
            self._started[test_id] = timestamp
        elif test_status in _WORDS:
            started = self._started.get(test_id)
            seconds = (timestamp - started).total_seconds() if started and timestamp else 0
            detail = 'traceback' if test_status == 'fail' else 'reason'
            self.results[test_id.split('[', 1)[0]] = Result(
                _WORDS[test_status], seconds,
                self._files.get((test_id, detail), b'').decode(errors='replace'))


def read_last_run(stestr, workdir):
    """{test id: Result} of the last run recorded in ``workdir``'s .stestr."""
    data = subprocess.run([str(stestr), 'last', '--subunit'], cwd=workdir,
                          capture_output=True, timeout=120, check=True).stdout
    collector = _Collector()
    collector.startTestRun()
    subunit.ByteStreamToStreamResult(io.BytesIO(data)).run(collector)
    collector.stopTestRun()
    return collector.results


def counts(results):
    found = collections.Counter(r.status for r in results.values())
    return {word: found.get(word, 0) for word in _WORDS.values()}


def summary(results, wall_seconds, slowest=8):
    """Tempest's totals, the failures, and the slowest tests, as lines of text."""
    total = counts(results)
    lines = ['Ran %d tests in %.0f s: %s' % (
        len(results), wall_seconds,
        ', '.join('%s %d' % (word, n) for word, n in total.items() if n or word in (
            'passed', 'skipped', 'failed')))]
    for test_id, result in sorted(results.items()):
        if result.status in ('failed', 'unexpected success'):
            lines.append('  %s: %s' % (result.status.upper(), test_id))
    reasons = collections.Counter((r.details.strip() or '?').splitlines()[0][:100]
                                  for r in results.values() if r.status == 'skipped')
    lines.append('Skipped by Tempest:')
    lines.extend('  %3d x %s' % (n, reason) for reason, n in reasons.most_common())
    lines.append('Slowest:')
    for test_id, result in sorted(results.items(), key=lambda i: -i[1].seconds)[:slowest]:
        lines.append('  %5.1f s  %s' % (result.seconds, test_id))
    return lines


def failure_details(results, tail=25):
    """The end of each failure's traceback."""
    parts = []
    for test_id, result in sorted(results.items()):
        if result.status in ('failed', 'unexpected success'):
            lines = [line for line in result.details.splitlines() if line.strip()]
            parts.append('--- %s\n%s' % (test_id, '\n'.join(lines[-tail:])))
    return '\n'.join(parts)
