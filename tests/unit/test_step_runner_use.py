"""Every compute step and conductor task sorts its errors through the one step runner
(svc_common/step_runner.py): no handler catches an outage (``service.UNAVAILABLE``),
a lost race or a deletion itself, and none reloads its instance to ask "done
already?" on its own."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
HANDLERS = sorted([*ROOT.glob('compute_svc/*.py'), *ROOT.glob('conductor_svc/tasks/*.py')])
# Errors only the runner sorts.
SORTED_BY_THE_RUNNER = {'UNAVAILABLE', 'UnexpectedDeletingTaskStateError'}


def _caught_names(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            for sub in ast.walk(node.type):
                if isinstance(sub, ast.Attribute):
                    yield sub.attr, node.lineno
                elif isinstance(sub, ast.Name):
                    yield sub.id, node.lineno


@pytest.mark.parametrize('path', HANDLERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_handler_sorts_outages_or_deletions_itself(path):
    tree = ast.parse(path.read_text())
    found = [(name, line) for name, line in _caught_names(tree)
             if name in SORTED_BY_THE_RUNNER]
    assert found == [], '%s catches what svc_common.step_runner sorts' % path.name


def test_the_operations_that_landed_later_use_the_runner():
    for name in ('snapshot.py', 'shelve.py', 'live_migration.py', 'power.py',
                 'build.py', 'rebuild.py', 'resize.py'):
        assert 'step_runner.run(' in (ROOT / 'compute_svc' / name).read_text(), name
    # a delete's step asks the runner "done already?" too (its work is not undone on
    # a failure: the record stays deleting and the step is sent again)
    assert 'step_runner.current(' in (ROOT / 'compute_svc' / 'delete.py').read_text()
    for name in ('build.py', 'migrate.py', 'live_migrate.py'):
        text = (ROOT / 'conductor_svc' / 'tasks' / name).read_text()
        assert 'step_runner.run(' in text and 'step_runner.current(' in text, name
