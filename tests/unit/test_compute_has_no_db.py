"""Compute reaches the database only through the conductor.

Statically, no module under compute_svc/ imports database code. At runtime, once
``block_database()`` ran, every direct DB access raises DBNotAllowed and remotable
object methods go to the indirection API (the conductor) instead."""
import ast
import pathlib
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[2]
FORBIDDEN = ('svc_common.db', 'sqlalchemy', 'oslo_db', 'migrations')


def _imported_names(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ''
            yield node.lineno, module
            for alias in node.names:  # "from svc_common import db"
                yield node.lineno, '%s.%s' % (module, alias.name) if module else alias.name
        elif isinstance(node, ast.Call):  # __import__('x') / importlib.import_module('x')
            name = getattr(node.func, 'id', None) or getattr(node.func, 'attr', None)
            if name in ('__import__', 'import_module') and node.args and \
                    isinstance(node.args[0], ast.Constant) and \
                    isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def _is_forbidden(name):
    return any(name == f or name.startswith(f + '.') for f in FORBIDDEN)


def test_compute_code_imports_no_database_code():
    files = sorted((ROOT / 'compute_svc').rglob('*.py'))
    assert files, 'compute_svc has no modules?'
    offences = []
    for path in files:
        tree = ast.parse(path.read_text(), filename=str(path))
        offences += ['%s:%d imports %s' % (path.relative_to(ROOT), line, name)
                     for line, name in _imported_names(tree) if _is_forbidden(name)]
    assert not offences, '\n'.join(offences)


def test_the_static_check_catches_each_form():
    source = textwrap.dedent('''
        import sqlalchemy.orm
        from svc_common import db
        from svc_common.db import api
        from oslo_db.sqlalchemy import enginefacade
        import importlib
        importlib.import_module('migrations')
        from svc_common import objects
    ''')
    found = [name for _, name in _imported_names(ast.parse(source)) if _is_forbidden(name)]
    assert set(found) >= {'sqlalchemy.orm', 'svc_common.db', 'svc_common.db.api',
                          'oslo_db.sqlalchemy', 'migrations'}
    assert not any(n.startswith('svc_common.objects') for n in found)


# Runs in a fresh interpreter: block_database() changes process-wide state.
_RUNTIME_CHECK = '''
from svc_common.conf import CONF
from svc_common import context as nimbus_context
from svc_common import exception
from svc_common import objects
from svc_common import rpc

CONF([], project='nimbus')
objects.register_all()
rpc.init(CONF, url='fake://')

from compute_svc import cmd
from svc_common import conductor_rpcapi
from svc_common.db import api as db_api
from svc_common.objects import base
from svc_common.objects import flavor as flavor_mod

cmd.block_database()
assert isinstance(base.NimbusObject.indirection_api, conductor_rpcapi.ConductorAPI)
ctx = nimbus_context.get_admin_context()


def must_refuse(what, fn, *args):
    try:
        fn(*args)
    except exception.DBNotAllowed:
        return
    raise AssertionError('%s reached the database' % what)


must_refuse('get_engine', db_api.get_engine)
must_refuse('a reader', flavor_mod._flavor_get, ctx, flavor_mod.models.Flavor.flavorid, '1')
must_refuse('a writer', flavor_mod._flavor_destroy, ctx, '1')


class Recorder:
    """Stands in for the conductor: records each call and answers it."""
    def __init__(self):
        self.calls = []

    def object_class_action_versions(self, context, objname, objmethod, versions, args,
                                     kwargs):
        self.calls.append(('class', objname, objmethod, args))
        return objects.Flavor(context, flavorid=args[0], name='remote', vcpus=1, memory_mb=64,
                              root_gb=1)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        self.calls.append(('instance', objinst.obj_name(), objmethod, args))
        return {}, None


recorder = Recorder()
base.use_indirection(recorder)
flavor = objects.Flavor.get_by_flavor_id(ctx, '42')
assert flavor.name == 'remote' and flavor.flavorid == '42', flavor
flavor.destroy()
assert recorder.calls == [('class', 'Flavor', 'get_by_flavor_id', ('42',)),
                          ('instance', 'Flavor', 'destroy', ())], recorder.calls

# Without the indirection API the same object call hits the guard, not the database.
base.use_indirection(None)
must_refuse('a remotable method without indirection', objects.Flavor.get_by_flavor_id,
            ctx, '42')
print('OK')
'''


def test_blocked_compute_process_cannot_reach_the_database(tmp_path):
    result = subprocess.run([sys.executable, '-c', _RUNTIME_CHECK], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip().endswith('OK'), \
        result.stdout + result.stderr
