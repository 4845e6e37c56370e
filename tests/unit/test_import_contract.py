"""The import contract: code lives in the package of the process that runs it.

Each process has its package (api_svc, conductor_svc, compute_svc); what two of them run
lives in svc_common; nimbus_cmd, the composition root, is the only package that wires
several services together. Inside compute, the operations sit above the hypervisor
layer: virt/driver.py is the drivers' base, virt/disks/ the hypervisor-neutral disk
layout both drivers use, and no driver is imported by the code below it. Every import
(also one inside a function) counts, and the module graph has no cycles.
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ('svc_common', 'api_svc', 'conductor_svc', 'compute_svc', 'nimbus_cmd',
            'migrations')

# module prefix -> the project prefixes it may import (the longest matching prefix rules).
CONTRACT = {
    'svc_common': ('svc_common',),
    'migrations': ('migrations', 'svc_common.db'),
    'api_svc': ('api_svc', 'svc_common'),
    'conductor_svc': ('conductor_svc', 'svc_common'),
    'compute_svc': ('compute_svc', 'svc_common'),
    'compute_svc.virt': ('compute_svc.virt', 'svc_common'),
    'compute_svc.virt.driver': ('svc_common',),
    'compute_svc.virt.disks': ('compute_svc.virt.disks', 'svc_common'),
    'compute_svc.virt.fake': ('compute_svc.virt.driver', 'compute_svc.virt.disks',
                              'compute_svc.virt.fake_console', 'svc_common'),
    'compute_svc.virt.fake_console': (),
    'compute_svc.virt.libvirt': ('compute_svc.virt.libvirt', 'compute_svc.virt.driver',
                                 'compute_svc.virt.disks', 'svc_common'),
    'nimbus_cmd': PACKAGES,
}


def _under(name, prefix):
    return name == prefix or name.startswith(prefix + '.')


def _rule(module):
    return max((p for p in CONTRACT if _under(module, p)), key=len)


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def _imports(tree, module, known):
    """The project modules ``tree`` imports (``from a import b`` counts as a.b when a.b
    is a module, else as a)."""
    package = module if module in known and known[module].name == '__init__.py' \
        else module.rpartition('.')[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.split('.')
                anchor = anchor[:len(anchor) - node.level + 1]
                base = '.'.join(anchor + ([base] if base else []))
            names = ['%s.%s' % (base, a.name) if '%s.%s' % (base, a.name) in known else base
                     for a in node.names]
        else:
            continue
        for name in names:
            if name.split('.')[0] in PACKAGES:
                yield node.lineno, name


def _graph():
    known = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob('*.py'):
            known[_module_name(path)] = path
    edges = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        edges[module] = sorted(set(_imports(tree, module, known)))
    return known, edges


def _offences(edges):
    for module, imports in sorted(edges.items()):
        allowed = CONTRACT[_rule(module)]
        for line, name in imports:
            if not any(_under(name, prefix) for prefix in allowed):
                yield '%s:%d imports %s' % (module, line, name)


class _Components:
    """Strongly connected components of a graph (Tarjan's algorithm)."""

    def __init__(self, graph):
        self.graph = graph
        self.index, self.low, self.stack, self.on_stack = {}, {}, [], set()
        self.found = []
        for node in sorted(graph):
            if node not in self.index:
                self._visit(node)

    def _visit(self, node):
        self.index[node] = self.low[node] = len(self.index)
        self.stack.append(node)
        self.on_stack.add(node)
        for target in self.graph[node]:
            if target not in self.index:
                self._visit(target)
                self.low[node] = min(self.low[node], self.low[target])
            elif target in self.on_stack:
                self.low[node] = min(self.low[node], self.index[target])
        if self.low[node] == self.index[node]:
            self.found.append(self._pop_component(node))

    def _pop_component(self, node):
        component = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            component.append(member)
            if member == node:
                return sorted(component)


def _cycles(edges, known):
    """The components of more than one module: each holds a cycle."""
    # A package's __init__ importing its own submodules is how packages are made.
    graph = {m: {n for _, n in imports if n in known and n != m and not _under(n, m)}
             for m, imports in edges.items()}
    return [c for c in _Components(graph).found if len(c) > 1]


@pytest.fixture(scope='module')
def graph():
    return _graph()


def test_every_module_has_a_rule(graph):
    known, _ = graph
    assert all(any(_under(m, p) for p in CONTRACT) for m in known)
    assert 'compute_svc.virt.fake' in known and 'nimbus_cmd.all_in_one' in known


def test_each_package_imports_only_what_its_layer_may(graph):
    _, edges = graph
    offences = list(_offences(edges))
    assert not offences, '\n'.join(offences)


def test_the_module_graph_has_no_cycles(graph):
    known, edges = graph
    assert _cycles(edges, known) == []


def test_the_contract_check_catches_an_upward_import():
    edges = {'compute_svc.manager': [(3, 'conductor_svc.manager')],
             'api_svc.compute_api': [(4, 'compute_svc.resize'), (5, 'svc_common.objects')],
             'compute_svc.virt.fake': [(6, 'compute_svc.virt.libvirt.driver')],
             'compute_svc.virt.driver': [(7, 'compute_svc.virt.fake')],
             'svc_common.states': [(8, 'api_svc.quota')],
             'nimbus_cmd.all_in_one': [(9, 'api_svc.wsgi')]}
    assert list(_offences(edges)) == [
        'api_svc.compute_api:4 imports compute_svc.resize',
        'compute_svc.manager:3 imports conductor_svc.manager',
        'compute_svc.virt.driver:7 imports compute_svc.virt.fake',
        'compute_svc.virt.fake:6 imports compute_svc.virt.libvirt.driver',
        'svc_common.states:8 imports api_svc.quota']


def test_the_cycle_check_finds_a_cycle():
    edges = {'a.x': [(1, 'a.y')], 'a.y': [(1, 'a.z')], 'a.z': [(1, 'a.x')], 'a.w': []}
    assert _cycles(edges, set(edges)) == [['a.x', 'a.y', 'a.z']]
