"""The feed benchmark's instant engine core answers like a model runner without running one: one
token of the fixed sequence per scheduled request once its prompt is complete, nothing for a
prompt chunk, positions counted per request and forgotten when it finishes. Needs vLLM (the
end-to-end tier); the caption path never imports the module."""

import types

import pytest

pytest.importorskip("vllm")  # run by test_instant_core.py in a process of its own

from qwenvl_bridge import instant_core  # noqa: E402


def _executor(step_ms=0):
    executor = instant_core.InstantExecutor.__new__(instant_core.InstantExecutor)
    executor.vllm_config = types.SimpleNamespace(additional_config={instant_core.CONFIG_KEY: {"step_ms": step_ms}})
    executor._init_executor()  # noqa: SLF001
    return executor


def _new(req_id, prompt_len, computed=0):
    return types.SimpleNamespace(req_id=req_id, prompt_token_ids=list(range(prompt_len)), num_computed_tokens=computed)


def _output(new=(), cached=(), scheduled=None, finished=()):
    cached_ids = [c[0] for c in cached]
    return types.SimpleNamespace(
        scheduled_new_reqs=list(new),
        scheduled_cached_reqs=types.SimpleNamespace(req_ids=cached_ids, num_computed_tokens=[c[1] for c in cached]),
        num_scheduled_tokens=dict(scheduled or {}), finished_req_ids=set(finished))


def test_a_chunked_prompt_gets_nothing_until_it_is_complete_then_one_token_per_step():
    core = _executor()
    first = core.execute_model(_output(new=[_new("a", 100)], scheduled={"a": 60}))
    assert first.req_ids == ["a"] and first.sampled_token_ids == [[]]
    second = core.execute_model(_output(cached=[("a", 60)], scheduled={"a": 40}))
    assert second.sampled_token_ids == [[instant_core.token_for(0)]]
    third = core.execute_model(_output(cached=[("a", 100)], scheduled={"a": 1}))
    assert third.sampled_token_ids == [[instant_core.token_for(1)]]


def test_requests_are_answered_in_the_order_scheduled_and_forgotten_when_finished():
    core = _executor()
    out = core.execute_model(_output(new=[_new("a", 5), _new("b", 7)], scheduled={"b": 7, "a": 5}))
    assert out.req_ids == ["b", "a"]
    assert out.req_id_to_index == {"b": 0, "a": 1}
    assert out.sampled_token_ids == [[instant_core.token_for(0)], [instant_core.token_for(0)]]
    core.execute_model(_output(cached=[("b", 8)], scheduled={"b": 1}, finished={"a"}))
    assert "a" not in core._sampled and core._sampled["b"] == 2  # noqa: SLF001


def test_a_non_blocking_step_returns_a_finished_future_and_the_kv_cache_is_a_fixed_number():
    core = _executor(step_ms=1)
    future = core.execute_model(_output(new=[_new("a", 1)], scheduled={"a": 1}), non_block=True)
    assert future.done() and future.result().sampled_token_ids == [[instant_core.token_for(0)]]
    assert core.collective_rpc("determine_available_memory") == [instant_core.KV_CACHE_TOKENS * 2 * 64 * 2]
    (spec,) = core.collective_rpc("get_kv_cache_spec")
    assert list(spec) == ["qwenvl_instant_core.layer0"]
    assert core.collective_rpc("get_supported_tasks") == [("generate",)]
    assert core.collective_rpc("some_worker_method_it_does_not_have") == [None]


def test_settings_default_to_no_sleep():
    assert instant_core.settings(types.SimpleNamespace(additional_config=None)) == {"step_ms": 0.0}
    assert instant_core.settings(types.SimpleNamespace(additional_config={instant_core.CONFIG_KEY: {"step_ms": 6}})) == {
        "step_ms": 6.0}


def test_the_step_sleep_is_set_on_a_running_core_through_collective_rpc():
    import time

    core = _executor(step_ms=0)
    assert core.collective_rpc(instant_core.STEP_MS_RPC, args=(20,)) == [20.0]
    started = time.monotonic()
    core.execute_model(_output(new=[_new("a", 1)], scheduled={"a": 1}))
    assert time.monotonic() - started >= 0.019
    assert core.collective_rpc(instant_core.STEP_MS_RPC, args=(0,)) == [0.0]
    with pytest.raises(ValueError, match="step_ms must be 0 or more"):
        core.collective_rpc(instant_core.STEP_MS_RPC, args=(-1,))
