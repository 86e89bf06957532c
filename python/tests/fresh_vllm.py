"""Checks against the installed (real) vLLM, run in one fresh interpreter per test session.

Other tests put stand-in ``vllm`` modules in ``sys.modules``, so a check of the real vLLM runs in a
child interpreter. Importing vLLM there takes about 8 s on a 2-core machine: the checks registered
with :func:`register` (at import time of their test modules) all run in the same child, each in a
fresh namespace, so that import is paid once per session instead of once per check (CI time).
A check is Python source written by the test (never user data); it passes when it ends or raises
``SystemExit(0)``.
"""

import json
import os
import subprocess
import sys

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

_CHECKS = {}
_results = None

_RUNNER = r"""
import contextlib, io, json, sys, traceback
checks = json.load(sys.stdin)
results = {}
for name, code in checks.items():
    out = io.StringIO()
    status, error = 0, ""
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<check %s>" % name, "exec"), {"__name__": "__check__"})
    except SystemExit as e:
        status = 0 if e.code in (None, 0) else (e.code if isinstance(e.code, int) else 1)
    except BaseException:
        status, error = 1, traceback.format_exc()
    results[name] = {"status": status, "stdout": out.getvalue(), "error": error}
sys.stdout.write("\n@@checks@@" + json.dumps(results) + "\n")
"""


def register(name, code):
    """Registers ``code`` as check ``name`` (call at module level); returns ``name``."""
    if name in _CHECKS and _CHECKS[name] != code:
        raise ValueError("two checks named " + name)
    _CHECKS[name] = code
    return name


def result(name):
    """``(status, stdout, error)`` of check ``name``: 0 when it passed, else 1 or its exit code, with
    the traceback in ``error``. The first call runs every registered check."""
    global _results
    if _results is None or name not in _results:
        _results = _run_all()
    r = _results[name]
    return r["status"], r["stdout"], r["error"]


def _run_all():
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, VLLM_CONFIGURE_LOGGING="0")
    done = subprocess.run([sys.executable, "-c", _RUNNER], input=json.dumps(_CHECKS), env=env,
                          capture_output=True, text=True, timeout=300)
    marker = done.stdout.rfind("\n@@checks@@")
    if done.returncode != 0 or marker < 0:
        raise AssertionError("the interpreter running the real-vLLM checks failed (exit %s):\n%s"
                             % (done.returncode, done.stderr[-3000:]))
    return json.loads(done.stdout[marker + len("\n@@checks@@"):])
