"""The one private vLLM function the library uses (``LLM._preprocess_cmpl_one``) is used only on
the versions :data:`vllm_api.PRIVATE_RENDER` names, with a public fallback; the check against the
installed vLLM fails when that function disappears from it (or changes its shape)."""

import importlib.util
import os
import subprocess
import sys
import types

import pytest

import fresh_vllm

from qwenvl_bridge import vllm_api

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


class _WithPrivate:
    def _preprocess_cmpl_one(self, prompt, tokenization_kwargs=None, mm_processor_kwargs=None):
        return ("rendered", prompt)


def test_the_private_function_is_used_on_the_versions_it_was_checked_on():
    render = vllm_api.renderer(_WithPrivate(), "0.32.0")
    assert render({"prompt": "p"}) == ("rendered", {"prompt": "p"})


def test_other_versions_and_a_missing_function_take_the_public_path():
    item = {"prompt": "p"}
    assert vllm_api.renderer(_WithPrivate(), "0.11.0")(item) is item
    assert vllm_api.renderer(object(), "0.32.0")(item) is item
    changed = types.SimpleNamespace(_preprocess_cmpl_one=lambda engine_input: engine_input)
    assert vllm_api.renderer(changed, "0.32.0")(item) is item, "a changed signature is not trusted"


def test_the_private_range_lies_within_the_supported_range():
    low, high = vllm_api.PRIVATE_RENDER
    assert vllm_api.within(low, vllm_api.SUPPORTED_VLLM)
    assert vllm_api.release(high) <= vllm_api.release(vllm_api.SUPPORTED_VLLM[1])


def _real_vllm_installed():
    # the stand-in vllm of other tests may be on sys.path: look past it, in site-packages only
    for entry in sys.path:
        if "site-packages" in entry and os.path.isdir(os.path.join(entry, "vllm", "entrypoints")):
            return True
    return False


# A fresh interpreter without the stand-in on the path: the real vllm (fresh_vllm runs the checks
# of the installed vllm in one such interpreter for the session).
_PRIVATE_FUNCTION = fresh_vllm.register(
    "vllm_api: the private render function",
    "import vllm, vllm.entrypoints.llm as m\n"
    "from qwenvl_bridge import vllm_api\n"
    "v = vllm_api.version_of(vllm)\n"
    "inside = vllm_api.within(v, vllm_api.PRIVATE_RENDER)\n"
    "found = vllm_api.private_render(m.LLM) is not None\n"
    "print(v, inside, found)\n"
    "raise SystemExit(0 if (found or not inside) else 3)\n")


@pytest.mark.skipif(not _real_vllm_installed(), reason="no real vllm in this environment (the end-to-end tier)")
def test_the_installed_vllm_still_has_the_private_function_where_the_library_uses_it():
    status, stdout, error = fresh_vllm.result(_PRIVATE_FUNCTION)
    assert status == 0, (
        f"the installed vllm lacks LLM.{vllm_api.PRIVATE_RENDER_NAME}(prompt, ...) although its version is in "
        f"PRIVATE_RENDER {vllm_api.PRIVATE_RENDER}: narrow PRIVATE_RENDER (the public path takes over) or adapt "
        f"vllm_api.renderer\n{stdout}\n{error[-3000:]}")
    version, inside, found = stdout.split()[-3:]
    assert inside == "True", f"the installed vllm {version} is not one PRIVATE_RENDER covers: extend the check"


_PROMETHEUS = fresh_vllm.register(
    "vllm_api: the Prometheus stat logger is found and taken off",
    "from types import SimpleNamespace\n"
    "from vllm.v1.metrics.loggers import PrometheusStatLogger\n"
    "from qwenvl_bridge import vllm_api\n"
    "other = object()\n"
    "prometheus = object.__new__(PrometheusStatLogger)  # the class vLLM's StatLoggerManager adds\n"
    "manager = SimpleNamespace(stat_loggers=[other, prometheus])\n"
    "llm = SimpleNamespace(llm_engine=SimpleNamespace(logger_manager=manager))\n"
    "first, second = vllm_api.drop_prometheus_logger(llm), vllm_api.drop_prometheus_logger(llm)\n"
    "print(first, second, manager.stat_loggers == [other])\n")


@pytest.mark.skipif(not _real_vllm_installed(), reason="no real vllm in this environment (the end-to-end tier)")
def test_the_installed_vllms_prometheus_logger_is_taken_off_and_the_others_stay():
    status, stdout, error = fresh_vllm.result(_PROMETHEUS)
    assert status == 0, f"{stdout}\n{error[-3000:]}"
    assert stdout.split()[-3:] == ["True", "False", "True"], stdout


def test_an_engine_without_stat_loggers_is_left_as_it_is():
    from types import SimpleNamespace

    assert vllm_api.drop_prometheus_logger(SimpleNamespace()) is False
    assert vllm_api.drop_prometheus_logger(SimpleNamespace(llm_engine=SimpleNamespace(logger_manager=None))) is False
