"""Structured captions on the Python side: the schema reaches vLLM's structured outputs on every
supported vLLM (named ``structured_outputs`` from 0.11, ``guided_decoding`` before), engines get
compact JSON, and a schema xgrammar cannot compile is named before any model loads."""

import json
import types

import pytest

import fresh_vllm

from qwenvl_bridge import structured, vllm_api

SCHEMA = json.dumps({"type": "object", "properties": {"a": {"type": "string", "maxLength": 5}}, "required": ["a"]})


def fake_vllm(params_name):
    recorded = {}

    class Params:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    def sampling_params(**kwargs):
        recorded.update(kwargs)
        return kwargs

    module = types.SimpleNamespace(**{params_name: Params}) if params_name else types.SimpleNamespace()
    return types.SimpleNamespace(SamplingParams=sampling_params, sampling_params=module, __version__="0.x"), recorded


def test_the_schema_becomes_structured_outputs_on_vllm_0_11_and_later():
    vllm, recorded = fake_vllm("StructuredOutputsParams")
    vllm_api.sampling_params(vllm, {"temperature": 0.1, "json_schema": SCHEMA})
    assert recorded["temperature"] == 0.1
    assert "json_schema" not in recorded
    assert recorded["structured_outputs"].kwargs["json"] == json.loads(SCHEMA)


def test_the_schema_becomes_guided_decoding_where_only_that_exists():
    vllm, recorded = fake_vllm("GuidedDecodingParams")
    vllm_api.sampling_params(vllm, {"json_schema": SCHEMA})
    assert recorded["guided_decoding"].kwargs == {"json": json.loads(SCHEMA)}


def test_free_text_sends_no_constraint():
    vllm, recorded = fake_vllm("StructuredOutputsParams")
    vllm_api.sampling_params(vllm, {"max_tokens": 3})
    assert recorded == {"max_tokens": 3}


def test_a_vllm_without_structured_outputs_is_refused_by_name():
    vllm, _ = fake_vllm(None)
    with pytest.raises(vllm_api.EngineError, match="StructuredOutputsParams"):
        vllm_api.sampling_params(vllm, {"json_schema": SCHEMA})


# Checks of the installed vllm: fresh_vllm runs them in one fresh interpreter for the session
# (other tests put stand-ins in sys.modules).
_TAKES_THE_SCHEMA = fresh_vllm.register(
    "structured: the installed vllm takes the schema",
    "import json, vllm\n"
    "from qwenvl_bridge import vllm_api\n"
    "schema = %r\n"
    "params = vllm_api.sampling_params(vllm, {'max_tokens': 8, 'json_schema': schema})\n"
    "c = getattr(params, 'structured_outputs', None) or getattr(params, 'guided_decoding', None)\n"
    "assert c.json == json.loads(schema), c\n" % SCHEMA)
_COMPACT_JSON = fresh_vllm.register(
    "structured: compact json unless configured",
    "from qwenvl_bridge import vllm_api\n"
    "from vllm.config import StructuredOutputsConfig\n"
    "kw = vllm_api.engine_kwargs({'model': 'm'})['structured_outputs_config']\n"
    "assert kw == {'backend': 'xgrammar', 'disable_any_whitespace': True}, kw\n"
    "mine = {'model': 'm', 'structured_outputs_config': {'backend': 'guidance'}}\n"
    "assert vllm_api.engine_kwargs(mine) == mine\n"
    "c = StructuredOutputsConfig(**kw)\n"
    "assert c.disable_any_whitespace and c.backend == 'xgrammar'\n")


def _passes_in_the_installed_vllm(check):
    status, _, error = fresh_vllm.result(check)
    if "ModuleNotFoundError: No module named 'vllm'" in error:
        pytest.skip("vllm is not installed")
    assert status == 0, error[-2000:]


def test_the_installed_vllm_takes_the_schema():
    _passes_in_the_installed_vllm(_TAKES_THE_SCHEMA)


def test_engines_get_compact_json_unless_the_caller_configured_it_and_the_installed_vllm_accepts_it():
    _passes_in_the_installed_vllm(_COMPACT_JSON)


def test_a_schema_xgrammar_compiles_has_no_problem():
    pytest.importorskip("xgrammar")
    assert structured.problem(SCHEMA) is None


def test_a_schema_xgrammar_cannot_compile_is_named():
    pytest.importorskip("xgrammar")
    bad = json.dumps({"type": "object", "properties": {"a": {"type": "string", "pattern": "[[["}}})
    problem = structured.problem(bad)
    assert problem is not None and "xgrammar" in problem and "Unclosed" in problem
    assert "regex_converter.cc" not in problem, problem  # no time stamp, no source location


def test_text_that_is_not_json_is_named():
    assert structured.problem("{nope").startswith("not JSON")
