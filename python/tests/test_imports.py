"""The Python half's modules import at top level, without a cycle, and each imports alone.

* Alone: ``python -c "import qwenvl_bridge.X"`` in a fresh interpreter, for every module (with
  the stand-in vllm on the path, so a module that needed vllm at import would still be caught by
  the import graph below rather than by a missing package).
* Top level only: no function imports a module of the package (a function-level import is how a
  cycle hides); the graph of top-level imports between the package's modules has no cycle.
"""

import ast
import os
import pkgutil
import subprocess
import sys

import pytest

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
STAND_IN = os.path.abspath(os.path.join(PYTHON_DIR, "..", "src", "test", "python"))
PACKAGE = "qwenvl_bridge"


def _modules():
    names = []
    for info in pkgutil.walk_packages([os.path.join(PYTHON_DIR, PACKAGE)], prefix=PACKAGE + "."):
        names.append(info.name)
    return sorted(names)


def _path(module):
    base = os.path.join(PYTHON_DIR, *module.split("."))
    return os.path.join(base, "__init__.py") if os.path.isdir(base) else base + ".py"


def _package_of(module):
    return module if _path(module).endswith("__init__.py") else module.rsplit(".", 1)[0]


def _imported(module, node):
    """The package modules an import statement names (``from . import a, b`` names a and b)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == PACKAGE]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = _package_of(module).split(".")
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != PACKAGE:
        return []
    out = []
    for alias in node.names:
        candidate = f"{target}.{alias.name}"
        out.append(candidate if os.path.exists(_path(candidate)) else target)
    return out


def _imports(module):
    """(top-level imports, imports inside functions or classes) of a module."""
    tree = ast.parse(open(_path(module), encoding="utf-8").read())
    top, nested = set(), set()
    for node in tree.body:
        top.update(_imported(module, node))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for inner in ast.walk(node):
                nested.update(_imported(module, inner))
    top.discard(module)
    return top, nested


@pytest.mark.parametrize("module", _modules())
def test_each_module_imports_alone_in_a_fresh_interpreter(module):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([PYTHON_DIR, STAND_IN]))
    result = subprocess.run([sys.executable, "-c", f"import {module}"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr


def test_no_module_imports_the_package_inside_a_function():
    hidden = {m: sorted(_imports(m)[1]) for m in _modules() if _imports(m)[1]}
    assert hidden == {}, "function-level imports of the package's modules (they hide cycles)"


def test_the_top_level_imports_have_no_cycle():
    graph = {m: _imports(m)[0] for m in _modules()}
    state, cycles = {}, []

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_engine_and_stream_import_together_without_a_cycle():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([PYTHON_DIR, STAND_IN]))
    for order in ("qwenvl_bridge.engine, qwenvl_bridge.stream", "qwenvl_bridge.stream, qwenvl_bridge.engine",
                  "qwenvl_bridge.errors, qwenvl_bridge.reasons"):
        result = subprocess.run([sys.executable, "-c", f"import {order}"], env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
    assert "qwenvl_bridge.engine" not in _imports("qwenvl_bridge.stream")[0]
    assert not {"qwenvl_bridge.start_method", "qwenvl_bridge.video"} & _imports("qwenvl_bridge.errors")[0]
