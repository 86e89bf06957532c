"""The engine loop of qwenvl_bridge.stream over the stand-in vllm (src/test/python/vllm)."""

import os
import sys
import threading
import time

import numpy as np
import pytest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "python")))

import vllm  # noqa: E402 - the stand-in

from qwenvl_bridge import engine, prompts, stream  # noqa: E402


@pytest.fixture
def engine_id(monkeypatch):
    monkeypatch.setenv("QWENVL_STANDIN_STEP_S", "0.01")
    monkeypatch.setenv("QWENVL_STANDIN_TOKENS", "3")
    vllm.reset()
    engine_id = engine.create({"model": "/models/stream"})
    stream.start(engine_id)
    yield engine_id
    engine.close(engine_id)


def _video():
    return np.zeros((2, 4, 4, 3), dtype=np.uint8)


def _take_all(engine_id, count, timeout=10):
    out, deadline = {}, time.monotonic() + timeout
    while len(out) < count and time.monotonic() < deadline:
        for answer in stream.take(engine_id):
            java_id, failure = answer["id"], answer["failure"]
            assert java_id not in out, f"{java_id} answered twice"
            out[java_id] = (answer["text"], failure and failure["reason"], failure and failure["message"], answer)
        time.sleep(0.005)
    return out


def test_each_result_reaches_its_own_id_with_the_captions_of_generate(engine_id):
    sampling = {"max_tokens": 8}
    for i in range(20):
        stream.submit(engine_id, i, f"prompt {i}", _video(), 2.0, None, sampling if i == 0 else None)
    out = _take_all(engine_id, 20)
    llm = vllm.LLM(model="/models/reference")
    expected = llm.generate(prompts.build_inputs([f"prompt {i}" for i in range(20)], [_video()] * 20, None),
                            vllm.SamplingParams(**sampling))
    assert {i: out[i][0] for i in range(20)} == {i: expected[i].outputs[0].text for i in range(20)}


def test_requests_submitted_while_the_engine_runs_join_the_running_batch(engine_id):
    # The first request runs 200 steps of 10 ms: the later ones join it however slow this machine is.
    stream.submit(engine_id, 0, "first", _video(), None, None, {"max_tokens": 200, "ignore_eos": True})
    deadline = time.monotonic() + 10
    while not vllm.recorded()["step_sizes"] and time.monotonic() < deadline:
        time.sleep(0.002)
    assert vllm.recorded()["step_sizes"], "the first request never started"
    for i in range(1, 6):
        stream.submit(engine_id, i, f"later {i}", _video(), None, None, None)
    _take_all(engine_id, 6)
    assert max(vllm.recorded()["step_sizes"]) == 6
    stats = stream.stats(engine_id)
    assert (stats["held"], stats["submitted"], stats["finished"]) == (0, 6, 6)
    assert stats["batched"] / stats["steps"] > 1


def test_a_refused_request_fails_alone(engine_id):
    stream.submit(engine_id, 1, "good", _video(), None, None, {"max_tokens": 8})
    stream.submit(engine_id, 2, "please FAIL", _video(), None, None, None)
    stream.submit(engine_id, 3, "also good", _video(), None, None, None)
    out = _take_all(engine_id, 3)
    assert out[2][0] is None and out[2][1] == "REQUEST_FAILED"
    assert out[2][3]["failure"]["type"] == "builtins.RuntimeError"
    assert out[1][0].startswith("caption-") and out[3][0].startswith("caption-")


def test_close_answers_every_request_in_flight_as_aborted(engine_id, monkeypatch):
    monkeypatch.setenv("QWENVL_STANDIN_STEP_S", "0.2")
    for i in range(4):
        stream.submit(engine_id, i, f"slow {i}", _video(), None, None, {"max_tokens": 8})
    time.sleep(0.1)
    answered = stream.stop(engine_id)
    assert sorted(a["id"] for a in answered) == [0, 1, 2, 3]
    assert {a["failure"]["reason"] for a in answered} == {"ABORTED"}
    assert not stream.active(engine_id)
    assert not any(t.name == f"qwenvl-stream-{engine_id}" for t in threading.enumerate())


def test_finished_requests_carry_vllms_token_counts_and_finish_reason(engine_id):
    stream.submit(engine_id, 1, "four", _video(), None, None, {"max_tokens": 5, "ignore_eos": True})
    stream.submit(engine_id, 2, "stops", _video(), None, None, {"max_tokens": 5})
    out = _take_all(engine_id, 2)
    assert [(out[i][3]["prompt_tokens"], out[i][3]["output_tokens"], out[i][3]["finish_reason"]) for i in (1, 2)] == [
        (4, 5, "length"), (5, 1, "stop")]


def test_finished_requests_carry_vllms_times_which_the_engine_keeps_by_default(engine_id):
    assert vllm.recorded()["constructed"][0]["disable_log_stats"] is False
    stream.submit(engine_id, 1, "timed", _video(), None, None, {"max_tokens": 8})
    answer = _take_all(engine_id, 1)[1][3]
    assert answer["queued_s"] is not None and answer["queued_s"] >= 0
    # three steps of 10 ms: the first token comes after the first step, the last after the third
    assert 0.005 < answer["first_token_s"] <= answer["total_s"]
    assert answer["total_s"] >= 0.025


def test_a_user_who_turns_vllms_stats_off_gets_no_times(monkeypatch):
    monkeypatch.setenv("QWENVL_STANDIN_TOKENS", "1")
    vllm.reset()
    engine_id = engine.create({"model": "/models/nostats", "disable_log_stats": True})
    try:
        stream.start(engine_id)
        stream.submit(engine_id, 1, "untimed", _video(), None, None, {"max_tokens": 8})
        answer = _take_all(engine_id, 1)[1][3]
        assert (answer["queued_s"], answer["first_token_s"], answer["total_s"]) == (None, None, None)
        assert answer["finish_reason"] == "stop" and answer["output_tokens"] == 1
    finally:
        engine.close(engine_id)


class _Out:
    """A RequestOutput as older vLLM versions shape it (fields given, the rest absent)."""

    def __init__(self, metrics=None, **completion):
        self.outputs = [type("C", (), {"text": "t", **completion})()]
        self.prompt_token_ids = [1, 2, 3]
        if metrics is not not_set:
            self.metrics = metrics


not_set = object()


def test_facts_are_none_where_vllm_reports_nothing():
    facts = stream.facts(_Out(metrics=not_set))
    assert facts == {"text": "t", "finish_reason": None, "prompt_tokens": 3, "output_tokens": None, "queued_s": None,
                     "first_token_s": None, "total_s": None}


def test_facts_read_what_an_older_stats_object_has_and_leave_unset_times_none():
    old = type("Stats", (), {"arrival_time": 1000.0, "queued_ts": 5.0, "scheduled_ts": 0.0})()  # never scheduled
    facts = stream.facts(_Out(metrics=old, token_ids=[7, 8], finish_reason="length"), now=1002.5)
    assert (facts["finish_reason"], facts["output_tokens"]) == ("length", 2)
    assert (facts["queued_s"], facts["first_token_s"], facts["total_s"]) == (None, None, 2.5)


def test_failed_requests_report_no_counts_rather_than_zero(engine_id):
    stream.submit(engine_id, 1, "please FAIL", _video(), None, None, {"max_tokens": 8})
    answer = _take_all(engine_id, 1)[1][3]
    assert (answer["prompt_tokens"], answer["output_tokens"], answer["finish_reason"]) == (None, None, None)


def test_engine_death_answers_every_pending_request_with_engine_died(monkeypatch):
    monkeypatch.setenv("QWENVL_STANDIN_ENGINE_PROCESS", "1")
    monkeypatch.setenv("QWENVL_STANDIN_CORE_DELAY_S", "0.5")
    vllm.reset()
    engine_id = engine.create({"model": "/models/dying"})
    try:
        stream.start(engine_id)
        for i in range(5):
            stream.submit(engine_id, i, f"doomed {i}", _video(), None, None, {"max_tokens": 8})
        time.sleep(0.2)
        (process,) = engine.processes(engine_id)
        pid = process["pid"]
        os.kill(pid, 9)
        started = time.monotonic()
        out = _take_all(engine_id, 5, timeout=10)
        assert time.monotonic() - started < 5
        assert sorted(out) == [0, 1, 2, 3, 4]
        assert {v[1] for v in out.values()} == {"ENGINE_DIED"}
        details = out[0][3]["failure"]["details"]
        assert (details["pid"], details["signal"], details["exit_code"]) == (pid, "SIGKILL", None)
        assert details["process"] == process["name"]
        stream.submit(engine_id, 9, "after", _video(), None, None, None)
        assert _take_all(engine_id, 1)[9][1] == "ENGINE_DIED"
    finally:
        engine.close(engine_id)


class SyncMPClient:
    """vLLM's multiprocess engine client, in shape: an engine core that steps on its own (every
    ``step_s``, one token for every running request) and puts each step's outputs on
    ``outputs_queue``, whether or not the front end has processed the earlier ones."""

    def __init__(self, step_s):
        import queue

        self.outputs_queue = queue.Queue()
        self.running = {}  # request id -> tokens left
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.added_at = {}  # request id -> monotonic time add_request reached the core
        threading.Thread(target=self._core, args=(step_s,), daemon=True).start()

    def _core(self, step_s):
        while not self.stop.wait(step_s):
            with self.lock:
                if not self.running:
                    continue
                finished = []
                for request_id in list(self.running):
                    self.running[request_id] -= 1
                    if self.running[request_id] == 0:
                        del self.running[request_id]
                        finished.append(request_id)
            self.outputs_queue.put(finished)


class _Completion:
    def __init__(self, request_id):
        self.text, self.token_ids, self.finish_reason = f"caption of {request_id}", [1, 2], "length"


class _Output:
    def __init__(self, request_id):
        self.request_id, self.finished, self.outputs, self.prompt_token_ids = request_id, True, [_Completion(request_id)], [7]
        self.metrics = None


class _GatheringEngine:
    """An ``LLMEngine`` over :class:`SyncMPClient`: ``step()`` processes one queued step's outputs."""

    def __init__(self, step_s, tokens):
        self.engine_core = SyncMPClient(step_s)
        self.tokens = tokens

    def add_request(self, request_id, prompt, params):
        with self.engine_core.lock:
            self.engine_core.running[request_id] = self.tokens
            self.engine_core.added_at[request_id] = time.monotonic()

    def step(self):
        return [_Output(request_id) for request_id in self.engine_core.outputs_queue.get()]

    def abort_request(self, request_ids):
        with self.engine_core.lock:
            for request_id in request_ids:
                self.engine_core.running.pop(request_id, None)


def _gathering_stream(monkeypatch, gather_s, step_s, tokens):
    monkeypatch.setattr(stream, "OUTPUT_GATHER_S", gather_s)
    engine = _GatheringEngine(step_s, tokens)
    llm = type("LLM", (), {"llm_engine": engine})()
    return stream.EngineStream(99, llm, None, lambda item: item).start(), engine


def _results(engine_stream, count, timeout=20):
    out, deadline = {}, time.monotonic() + timeout
    while len(out) < count and time.monotonic() < deadline:
        for answer in engine_stream.take():
            out[answer["id"]] = answer
        time.sleep(0.005)
    return out


def test_a_busy_loop_processes_the_outputs_of_several_steps_at_one_wake(monkeypatch):
    # the core steps every 5 ms; the loop lets 100 ms of outputs gather between wakes
    engine_stream, engine = _gathering_stream(monkeypatch, gather_s=0.1, step_s=0.005, tokens=100)
    try:
        for i in range(2):
            engine_stream.submit(i, {"prompt": f"p{i}"}, object())
        out = _results(engine_stream, 2)
        assert sorted(out) == [0, 1] and all(out[i]["failure"] is None for i in (0, 1))
        assert [out[i]["text"] for i in (0, 1)] == ["caption of qwenvl-1", "caption of qwenvl-2"]
        # 100 core steps; processed at far fewer wakes than steps (about 5 at 20 steps a wake)
        assert engine_stream.steps >= 100, engine_stream.steps
        assert engine_stream.wakes * 4 <= engine_stream.steps, (engine_stream.wakes, engine_stream.steps)
    finally:
        engine_stream.stop()
        engine.engine_core.stop.set()


def test_a_request_that_arrives_while_outputs_gather_joins_the_engine_at_once(monkeypatch):
    # a gather interval far longer than anything this test waits for: the new request must not wait for it
    engine_stream, engine = _gathering_stream(monkeypatch, gather_s=30.0, step_s=0.005, tokens=100_000)
    try:
        engine_stream.submit(0, {"prompt": "long"}, object())
        deadline = time.monotonic() + 10
        while "qwenvl-1" not in engine.engine_core.added_at and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.2)  # the loop is busy now, gathering outputs
        submitted = time.monotonic()
        engine_stream.submit(1, {"prompt": "joins"}, object())
        while "qwenvl-2" not in engine.engine_core.added_at and time.monotonic() < submitted + 10:
            time.sleep(0.005)
        assert "qwenvl-2" in engine.engine_core.added_at, "the second request never reached the engine"
        assert engine.engine_core.added_at["qwenvl-2"] - submitted < 5.0
    finally:
        engine_stream.stop()
        engine.engine_core.stop.set()


def test_an_engine_client_without_an_output_queue_is_stepped_without_gathering(engine_id):
    # the stand-in's in-process core steps inside step(): nothing gathers, so nothing waits
    assert stream._stream(engine_id)._gather_s == 0.0
