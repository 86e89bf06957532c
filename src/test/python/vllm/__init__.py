"""Stand-in for vllm in bridge tests: records what it is given and answers deterministically.

It mimics the small surface the library uses: ``LLM(**kwargs)``, ``LLM.generate(inputs,
sampling_params=..., use_tqdm=...)`` returning objects with ``.outputs[0].text``, and
``SamplingParams(**kwargs)``. Captions are derived from the prompt and the video, so tests can
check order and which prompt produced which caption.

With ``QWENVL_STANDIN_ENGINE_PROCESS=1`` it also mirrors the shape of vLLM's multiprocess client
(``SyncMPClient``), so that tests can kill a real engine process: ``LLM`` spawns an
``EngineCore`` child process, every ``generate`` round-trips through it and waits on
``llm_engine.engine_core.outputs_queue``, filled by a reader thread that, like vLLM's, puts
nothing on the queue when the process dies. ``QWENVL_STANDIN_CORE_DELAY_S`` makes the child
take that long per batch. ``QWENVL_STANDIN_HIDE_QUEUE=1`` hides the queue from the library's
watch (the engine then blocks forever on a death, as a GIL-starved watch would leave it).
"""

import hashlib
import multiprocessing
import os
import queue
import threading
import time

# The version the stand-in claims; QWENVL_STANDIN_VLLM_VERSION fakes another (version-check tests).
__version__ = os.environ.get("QWENVL_STANDIN_VLLM_VERSION") or "0.32.0"

_constructed = []  # kwargs of every LLM(...)
_generate_calls = []  # per generate call: list of (prompt, video summary, mm kwargs), sampling kwargs
_closed = []
_added = []  # per LLMEngine.add_request: request id, prompt, sampling kwargs, the input as generate records it
_aborted = []  # request ids aborted
_step_sizes = []  # running requests at each LLMEngine.step
_start_delay = [0.0]  # seconds every LLM(...) takes from now on (set_start_delay)
_shutdown_delay = [0.0]  # seconds every engine core's shutdown takes from now on (set_shutdown_delay)


class EngineDeadError(RuntimeError):
    """Named like vLLM's own notice that its engine core died (vllm.v1.engine.exceptions)."""


class SamplingParams:
    def __init__(self, **kwargs):
        self.kwargs = dict(kwargs)


class _Completion:
    def __init__(self, text, token_ids=(), finish_reason=None):
        self.text = text
        self.token_ids = list(token_ids)
        self.finish_reason = finish_reason


class _RequestStateStats:
    """vLLM's per-request stats (``RequestOutput.metrics``), kept only with ``disable_log_stats=False``:
    arrival in wall-clock seconds, the engine-core stamps in monotonic seconds."""

    def __init__(self):
        self.arrival_time = time.time()
        self.queued_ts = time.monotonic()
        self.scheduled_ts = 0.0
        self.first_token_ts = 0.0
        self.last_token_ts = 0.0
        self.first_token_latency = 0.0


class _RequestOutput:
    def __init__(self, text, prompt_token_ids=(), token_ids=(), request_id=None, finished=True, finish_reason=None):
        self.outputs = [_Completion(text, token_ids, finish_reason)]
        self.prompt_token_ids = list(prompt_token_ids)
        self.request_id = request_id
        self.finished = finished
        self.metrics = None


class _EngineCore:
    def __init__(self, owner):
        self._owner = owner

    def shutdown(self):
        if _shutdown_delay[0] > 0:
            time.sleep(_shutdown_delay[0])  # a slow close (vLLM waits for its processes), without the GIL
        _closed.append(self._owner.kwargs.get("model"))


def _core_main(conn, delay):
    """The stand-in engine-core process: answers every batch after ``delay`` seconds.

    Like vLLM's engine core (its executor's message queue), it holds a POSIX shared-memory segment
    registered with the interpreter's resource tracker, and unlinks it only when it stops cleanly:
    a killed core leaves it, for the orphan guard to remove. The name carries the JVM's token
    (``psm_qwenvl_standin_TOKEN_PID``), so tests can tell their own segments from other runs'."""
    from multiprocessing import shared_memory

    segment = shared_memory.SharedMemory(
        name=f"psm_qwenvl_standin_{os.environ.get('QWENVL_JEP_OWNER', 'none')}_{os.getpid()}",
        create=True, size=1 << 20)
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message == "stop":
                return
            if delay > 0:
                time.sleep(delay)
            conn.send(message)
    finally:
        segment.close()
        segment.unlink()


class _Resources:
    def __init__(self, processes):
        self.engine_manager = type("_Manager", (), {"processes": processes})()
        self.engine_dead = False


class _ProcessEngineCore(_EngineCore):
    """An engine core in a spawned child process, with vLLM's client shape (see the module notes)."""

    def __init__(self, owner):
        super().__init__(owner)
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        delay = float(os.environ.get("QWENVL_STANDIN_CORE_DELAY_S", "0") or 0)
        self._proc = ctx.Process(target=_core_main, args=(child, delay), name="EngineCore", daemon=False)
        self._proc.start()
        child.close()
        self.resources = _Resources([self._proc])
        self.utility_results = {}
        waiting = queue.Queue()
        if os.environ.get("QWENVL_STANDIN_HIDE_QUEUE") == "1":
            self._waiting = waiting
        else:
            self.outputs_queue = self._waiting = waiting
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True, name="standin-core-reader").start()

    def _read(self):
        while True:
            try:
                self._waiting.put_nowait(self._conn.recv())
            except (EOFError, OSError):
                return  # like vLLM's output thread: a dead core leaves the queue empty

    def round_trip(self, token):
        with self._lock:
            if self.resources.engine_dead:
                raise RuntimeError("EngineCore is dead")
            self._conn.send(token)
            answer = self._waiting.get()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def shutdown(self):
        super().shutdown()
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)


class _LlmEngine:
    """vLLM's ``LLMEngine`` surface the request stream uses: ``add_request``, ``step``,
    ``abort_request``, ``get_num_unfinished_requests``. Each step models accelerator time by
    sleeping ``QWENVL_STANDIN_STEP_S`` seconds plus ``QWENVL_STANDIN_STEP_PER_REQUEST_S`` per
    running request (no CPU) and advances every running request (the oldest
    ``QWENVL_STANDIN_MAX_RUNNING`` when set) by one
    token; a request finishes after its output tokens (``max_tokens`` with ``ignore_eos``, else
    ``QWENVL_STANDIN_TOKENS``, default 1). Captions are those of ``LLM.generate``."""

    def __init__(self, owner):
        if os.environ.get("QWENVL_STANDIN_ENGINE_PROCESS") == "1":
            self.engine_core = _ProcessEngineCore(owner)
        else:
            self.engine_core = _EngineCore(owner)
        self._owner = owner
        self._running = {}  # request id -> [output, tokens left]

    def add_request(self, request_id, prompt, params):
        if not isinstance(request_id, str):
            raise TypeError(f"request_id must be a string, got {type(request_id)}")
        output, n_out = _answer(prompt, params)
        if self._owner.kwargs.get("disable_log_stats", True) is False:
            output.metrics = _RequestStateStats()
        sampling = params.kwargs
        tokens = n_out if sampling.get("ignore_eos") else int(os.environ.get("QWENVL_STANDIN_TOKENS", "1") or 1)
        self._running[request_id] = [output, max(1, tokens)]
        output.request_id = request_id
        _added.append({"request_id": request_id, "prompt": prompt["prompt"], "sampling": dict(sampling),
                       "input": output.recorded})
        # What reached the engine, in the shape of a generate call of one request (tests read
        # every input vLLM received from generate_calls, whichever path it came by).
        _generate_calls.append({"inputs": [output.recorded], "sampling": dict(sampling), "use_tqdm": False})
        return request_id + "-internal"  # like vLLM: an internal id; outputs carry the external one

    def get_num_unfinished_requests(self):
        return len(self._running)

    def has_unfinished_requests(self):
        return bool(self._running)

    def abort_request(self, request_ids, internal=False):
        for request_id in request_ids:
            if self._running.pop(request_id, None) is not None:
                _aborted.append(request_id)

    def step(self):
        _step_sizes.append(len(self._running))
        delay = float(os.environ.get("QWENVL_STANDIN_STEP_S", "0") or 0)
        delay += float(os.environ.get("QWENVL_STANDIN_STEP_PER_REQUEST_S", "0") or 0) * len(self._running)
        if delay > 0:
            time.sleep(delay)
        core = self.engine_core
        if isinstance(core, _ProcessEngineCore):
            core.round_trip(len(self._running))
        done = []
        # QWENVL_STANDIN_MAX_RUNNING=N: only the N oldest requests advance per step, as vLLM's
        # max_num_seqs would have it (tests that must catch a run in the middle spread its lines).
        limit = int(os.environ.get("QWENVL_STANDIN_MAX_RUNNING", "0") or 0)
        advancing = list(self._running.items())
        if limit > 0:
            advancing = advancing[:limit]
        for request_id, entry in advancing:
            stats = entry[0].metrics
            if stats is not None:
                now = time.monotonic()
                stats.scheduled_ts = stats.scheduled_ts or now
                if not stats.first_token_ts:
                    stats.first_token_ts = now
                    stats.first_token_latency = time.time() - stats.arrival_time
                stats.last_token_ts = now
            entry[1] -= 1
            if entry[1] <= 0:
                del self._running[request_id]
                done.append(entry[0])
        return done


def _summary(video):
    if isinstance(video, tuple):
        frames, metadata = video
        summary = _summary(frames)
        summary["metadata"] = dict(metadata)
        return summary
    shape = getattr(video, "shape", None)
    if shape is None:
        return {"kind": type(video).__name__}
    return {"kind": "ndarray", "shape": list(shape), "dtype": str(video.dtype),
            "sum": float(video.astype("float64").sum())}


def _answer(item, sampling_params):
    """The stand-in's output for one prompt dict, and its output token count."""
    prompt = item["prompt"]
    video = item["multi_modal_data"]["video"]
    mm = dict(item.get("mm_processor_kwargs") or {})
    if "FAIL" in prompt:
        raise RuntimeError("stand-in engine was told to fail")
    if "ENGINE_DEAD" in prompt:
        raise EngineDeadError("EngineCore encountered an issue (stand-in)")
    digest = hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:8]
    # Token counts: one "prompt token" per prompt character; max_tokens outputs with
    # ignore_eos (finish reason "length"), else one (the stand-in "stops" at once: "stop",
    # or "length" when max_tokens is 1).
    sampling = sampling_params.kwargs
    max_tokens = int(sampling.get("max_tokens", 16))
    n_out = max_tokens if sampling.get("ignore_eos") else 1
    reason = "length" if n_out >= max_tokens else "stop"
    output = _RequestOutput(f"caption-{digest}", range(len(prompt)), range(n_out), finish_reason=reason)
    output.recorded = {"prompt": prompt, "video": _summary(video), "mm_processor_kwargs": mm}
    return output, n_out


class LLM:
    def __init__(self, **kwargs):
        if kwargs.get("model", "").endswith("fail-to-load"):
            raise OSError(f"no config.json in {kwargs['model']}")
        self.kwargs = dict(kwargs)
        if _start_delay[0] > 0:
            time.sleep(_start_delay[0])  # a slow engine start (weights, compile), without the GIL
        self.llm_engine = _LlmEngine(self)
        _constructed.append(dict(kwargs))

    def _preprocess_cmpl_one(self, prompt, tokenization_kwargs=None, mm_processor_kwargs=None):
        """vLLM 0.32's private rendering (``vllm_api.PRIVATE_RENDER``): the prompt dict as is."""
        return prompt

    def generate(self, inputs, sampling_params=None, use_tqdm=True):
        # Tests of interruption slow the stand-in down: QWENVL_STANDIN_DELAY_S seconds per generate call;
        # benchmarks model accelerator time as the engine loop does (steps of every request's tokens).
        delay = float(os.environ.get("QWENVL_STANDIN_DELAY_S", "0") or 0)
        per_request = float(os.environ.get("QWENVL_STANDIN_STEP_PER_REQUEST_S", "0") or 0)
        step = float(os.environ.get("QWENVL_STANDIN_STEP_S", "0") or 0)
        if per_request > 0 or step > 0:
            tokens = int(os.environ.get("QWENVL_STANDIN_TOKENS", "1") or 1)
            delay += tokens * (step + per_request * len(inputs))
        if delay > 0:
            time.sleep(delay)
        calls = []
        outputs = []
        for item in inputs:
            output, _ = _answer(item, sampling_params)
            calls.append(output.recorded)
            outputs.append(output)
        core = self.llm_engine.engine_core
        if isinstance(core, _ProcessEngineCore):
            core.round_trip(len(outputs))
        _generate_calls.append({"inputs": calls, "sampling": dict(sampling_params.kwargs), "use_tqdm": use_tqdm})
        return outputs


# --- test access (not part of vllm) -------------------------------------------------------


def recorded():
    """Everything recorded so far: constructed kwargs, generate calls, closed models."""
    return {"constructed": list(_constructed), "generate_calls": list(_generate_calls), "closed": list(_closed),
            "added": list(_added), "aborted": list(_aborted), "step_sizes": list(_step_sizes)}


def set_start_delay(seconds):
    """Every later ``LLM(...)`` takes ``seconds`` (tests of what runs while an engine starts)."""
    _start_delay[0] = float(seconds)


def set_shutdown_delay(seconds):
    """Every later engine core's shutdown takes ``seconds`` (tests of concurrent closes)."""
    _shutdown_delay[0] = float(seconds)


def reset():
    _start_delay[0] = 0.0
    _shutdown_delay[0] = 0.0
    _constructed.clear()
    _generate_calls.clear()
    _closed.clear()
    _added.clear()
    _aborted.clear()
    _step_sizes.clear()


def last_step_size():
    """Requests running at the latest ``LLMEngine.step`` (0 before the first): what the engine holds now,
    cheap enough to poll."""
    return _step_sizes[-1] if _step_sizes else 0


def engines_constructed():
    """How many ``LLM(...)`` were made (a restart makes one more)."""
    return len(_constructed)
