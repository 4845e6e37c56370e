"""The public surfaces are typed: the RPC clients (what every service calls to reach
another) and the modules pyproject.toml lists as fully typed have hints on every
public function, and mypy (in the test command) checks them with the typed modules."""
import importlib
import inspect
import pathlib
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MYPY = tomllib.loads((ROOT / 'pyproject.toml').read_text())['tool']['mypy']
FULLY_TYPED = sorted({module for override in MYPY.get('overrides', [])
                      if override.get('disallow_untyped_defs')
                      for module in override['module']})


def test_the_rpc_clients_are_fully_typed_and_checked():
    for module in ('svc_common.compute_rpcapi', 'svc_common.conductor_rpcapi'):
        assert module in FULLY_TYPED
    for module in FULLY_TYPED:
        assert module.replace('.', '/') + '.py' in MYPY['files'], module


def _public_functions(module):
    for name, value in vars(module).items():
        if inspect.isfunction(value) and value.__module__ == module.__name__ and \
                not name.startswith('_'):
            yield name, value
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            for method_name, method in vars(value).items():
                if isinstance(method, property):
                    method = method.fget
                if inspect.isfunction(method) and (not method_name.startswith('_')
                                                   or method_name == '__init__'):
                    yield '%s.%s' % (name, method_name), method


@pytest.mark.parametrize('module_name', FULLY_TYPED)
def test_every_public_function_has_its_hints(module_name):
    module = importlib.import_module(module_name)
    untyped = []
    for name, function in _public_functions(module):
        signature = inspect.signature(function)
        params = [p for p in signature.parameters.values() if p.name not in ('self', 'cls')]
        if any(p.annotation is inspect.Parameter.empty for p in params) or \
                signature.return_annotation is inspect.Signature.empty:
            untyped.append(name)
    assert untyped == []
