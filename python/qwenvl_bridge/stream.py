"""One continuously running vLLM engine loop per engine, for asynchronous requests.

Why ``LLMEngine.add_request``/``step`` (``llm.llm_engine``) and not vLLM's ``AsyncLLM``: the
``LLM`` is already built (one engine per model, started by :mod:`qwenvl_bridge.engine`), and
its engine loop is a plain ``while: step()`` that one Python thread can drive without an
asyncio event loop in the embedded interpreter (an event loop would need its own thread and
every Java call would cross into it through ``run_coroutine_threadsafe``). ``step()`` waits for
the engine core's outputs with the GIL released, so the interpreter thread stays free for
decoding and other calls while the engine works. Requests added between two steps join the
running batch (vLLM's scheduler admits them at the next step): continuous batching.

The protocol with Java (all calls are short; none waits for the engine):

* :func:`start` starts the loop thread of an engine (idempotent).
* :func:`submit` enqueues one request under a Java-chosen id; the loop thread renders it
  (vLLM's processor) and adds it to the engine before its next step.
* :func:`take` returns the finished requests since the last take, each a dict: ``id``, ``text``,
  ``finish_reason`` (vLLM's: ``stop``, ``length``, ...), ``prompt_tokens`` and ``output_tokens``
  (vLLM's counts; the prompt's include the video's), vLLM's times in seconds ``queued_s``,
  ``first_token_s`` and ``total_s`` (:func:`facts`; None where vLLM reports none), and
  ``failure``: ``None``, or the failure as a value (:func:`qwenvl_bridge.errors.failure`: domain,
  reason, type, message, details) with the reason ``REQUEST_FAILED`` for a request that failed
  alone (its input was refused), ``ENGINE_DIED`` for every pending request when the engine dies
  (the details name the dead process, pid, exit code and signal), ``ABORTED`` when the engine
  was closed. Java maps these reasons with the same code as raised ones.
* :func:`stats` returns ``{held, steps, batched, submitted, finished, wakes}``: requests the
  engine holds now, steps that ran with work, the sum of the running batch sizes over those steps,
  requests submitted and finished, and the times the loop woke to process the core's outputs
  (several steps' outputs per wake: :data:`OUTPUT_GATHER_S`).
* :func:`stop` aborts what is in flight and ends the loop thread.

The loop thread never calls Java (JEP does not support Python threads calling Java); its log
records are buffered by the bridge and reach Java with the next call.
"""

import copy
import logging
import queue
import threading
import time

from . import engines, enginewatch, errors, prompts, signals, vllm_api

log = logging.getLogger(__name__)

_streams = {}  # engine id -> EngineStream
_lock = threading.Lock()

#: How long the idle loop waits for a new request before looking again (seconds).
IDLE_WAIT_S = 0.05

#: How long a busy loop lets the engine core's outputs gather before it processes them (seconds),
#: unless a new request arrives first (it is added at once). The engine core does not wait for the
#: front end: it steps on while its outputs queue up in the engine client, so this costs the
#: accelerator nothing. Processing the outputs of several steps at one wake-up instead of waking
#: once per step takes about a fifth off the front end's CPU (and GIL) time per window at one
#: request per step (``docs/feed.md``). A request is seen finished, and its times (first token,
#: total) are taken, up to this much later. Only with a multiprocess engine client, whose queue of
#: outputs can be read (:func:`qwenvl_bridge.vllm_api.output_queue`); an in-process engine core
#: steps inside ``step()`` and is stepped at once.
OUTPUT_GATHER_S = 0.02


class EngineStream:
    """The loop thread of one engine and its request and result queues."""

    def __init__(self, engine_id, llm, watch, render):
        self.engine_id = engine_id
        self._llm = llm
        self._engine = llm.llm_engine
        self._watch = watch
        self._render = render  # prompt dict -> what add_request takes (vllm_api.renderer)
        self._incoming = queue.Queue()
        self._finished = queue.Queue()
        self._vllm_to_java = {}  # vLLM's request id -> Java's id, for requests in the engine
        self._stopping = threading.Event()
        self._died = None  # the failure value every later request gets, once the loop ended
        self._sampling = None
        self.steps = 0
        self.wakes = 0  # times the loop woke to process outputs (steps / wakes: outputs gathered per wake)
        self.batched = 0
        self.submitted = 0
        self.finished = 0
        self._counter = 0
        self._outputs = vllm_api.output_queue(self._engine)  # the core's unprocessed outputs, or None
        self._gather_s = OUTPUT_GATHER_S if self._outputs is not None else 0.0
        self._thread = threading.Thread(target=self._run, name=f"qwenvl-stream-{engine_id}", daemon=True)

    # --- called on the interpreter thread -------------------------------------------------

    def start(self):
        self._thread.start()
        return self

    def submit(self, java_id, item, sampling_params):
        self.submitted += 1
        if self._died is not None:
            self._finished.put(_failed(java_id, self._died))
            return
        self._incoming.put((java_id, item, sampling_params))

    def take(self):
        out = []
        while True:
            try:
                out.append(self._finished.get_nowait())
            except queue.Empty:
                return out

    def held(self):
        return len(self._vllm_to_java) + self._incoming.qsize()

    def stop(self, timeout=10.0):
        if self._watch is not None and self._watch.death is not None:
            timeout = min(timeout, 0.5)  # a loop waiting on a dead core may never wake: do not wait for it
        self._stopping.set()
        self._incoming.put(None)  # wakes an idle loop
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    # --- the loop thread ------------------------------------------------------------------

    def _run(self):
        try:
            while not self._stopping.is_set():
                self._admit(wait=self._gather_s if self._vllm_to_java else IDLE_WAIT_S)
                if self._stopping.is_set():
                    break
                if self._vllm_to_java:
                    self.wakes += 1
                # every output the core has sent, or (none yet) wait in step() for the next one
                for _ in range(max(1, self._outputs.qsize() if self._outputs is not None else 0)):
                    if not self._vllm_to_java:
                        break
                    self._step()
        except BaseException as error:  # noqa: BLE001 - every pending request must hear of it
            self._fail_all(error)
        finally:
            self._abort_in_flight()

    def _admit(self, wait):
        """Adds every waiting request to the engine; waits up to ``wait`` seconds for the first."""
        first = True
        while True:
            try:
                entry = self._incoming.get(timeout=wait) if (wait > 0 and first) else self._incoming.get_nowait()
            except queue.Empty:
                return
            first = False
            if entry is None:
                if self._stopping.is_set():
                    return
                continue
            java_id, item, params = entry
            try:
                self._add(java_id, item, params)
            except Exception as error:  # noqa: BLE001 - this request fails alone
                died = enginewatch.death_of(self._watch, error)
                if died is not None:
                    raise died from error
                log.warning("request %s was refused by the engine: %s: %s", java_id, type(error).__name__, error)
                self.finished += 1
                self._finished.put(_failed(java_id, errors.failure(error)))

    def _add(self, java_id, item, params):
        params = copy.copy(params)
        try:  # like LLM.generate: only the final output of each request
            from vllm.sampling_params import RequestOutputKind

            params.output_kind = RequestOutputKind.FINAL_ONLY
        except ImportError:  # the stand-in vllm of the bridge tests
            pass
        self._counter += 1
        vllm_id = f"qwenvl-{self._counter}"
        prompt = self._render(item)
        # vLLM answers (and aborts) under this external id; add_request returns an internal one
        # (the id plus random characters), which outputs do not carry.
        self._engine.add_request(vllm_id, prompt, params)
        self._vllm_to_java[vllm_id] = java_id

    def _step(self):
        running = len(self._vllm_to_java)
        try:
            outputs = self._engine.step()
        except Exception as error:
            died = enginewatch.death_of(self._watch, error)
            raise (died if died is not None else error) from error
        self.steps += 1
        if self.steps == 1:
            signals.restore("the first vllm step")  # kernels load on first use
        self.batched += running
        for output in outputs:
            if not getattr(output, "finished", True):
                continue
            java_id = self._vllm_to_java.pop(output.request_id, None)
            if java_id is None:
                continue
            self.finished += 1
            answer = facts(output)
            answer["id"] = java_id
            answer["failure"] = None
            self._finished.put(answer)

    def _fail_all(self, error):
        failure = errors.failure(error)
        if failure["reason"] != errors.EngineError.ENGINE_DIED:
            log.error("the engine loop of engine %s failed: %s: %s", self.engine_id, type(error).__name__, error,
                      exc_info=error)
        self._died = failure
        pending = list(self._vllm_to_java.values())
        self._vllm_to_java.clear()
        while True:
            try:
                entry = self._incoming.get_nowait()
            except queue.Empty:
                break
            if entry is not None:
                pending.append(entry[0])
        for java_id in pending:
            self.finished += 1
            self._finished.put(_failed(java_id, failure))

    def _abort_in_flight(self):
        """On stop: aborts what the engine still holds, and answers every pending id."""
        if self._died is not None:
            return
        ids = list(self._vllm_to_java)
        if ids:
            try:
                self._engine.abort_request(ids)
            except Exception:  # noqa: BLE001 - the engine is being closed anyway
                log.debug("aborting %s requests failed", len(ids), exc_info=True)
        self._fail_all_quietly(errors.aborted("the engine was closed before the request finished"))

    def _fail_all_quietly(self, failure):
        self._died = failure
        pending = list(self._vllm_to_java.values())
        self._vllm_to_java.clear()
        while True:
            try:
                entry = self._incoming.get_nowait()
            except queue.Empty:
                break
            if entry is not None:
                pending.append(entry[0])
        for java_id in pending:
            self._finished.put(_failed(java_id, failure))


def _failed(java_id, failure):
    return {"id": java_id, "text": None, "finish_reason": None, "prompt_tokens": None, "output_tokens": None,
            "queued_s": None, "first_token_s": None, "total_s": None, "failure": failure}


def facts(output, now=None):
    """What vLLM reports of one finished ``RequestOutput``: text, finish reason, token counts, times.

    Token counts: ``len(prompt_token_ids)`` (the prompt after vLLM's multimodal processing, so the
    video's tokens are in it) and ``len(outputs[0].token_ids)``. Times come from
    ``output.metrics``, vLLM's per-request ``RequestStateStats``, which vLLM fills only when the
    engine keeps stats (``disable_log_stats=False``, which :mod:`qwenvl_bridge.engine` asks for)
    and attaches to ``RequestOutput`` only in versions that have it (vLLM PR #24947, 2025-09);
    elsewhere ``metrics`` is None or another type and the times are None:

    * ``queued_s``: ``scheduled_ts - queued_ts`` (engine-core clock; vLLM's queue time);
    * ``first_token_s``: ``first_token_latency`` (from arrival; vLLM's time to first token);
    * ``total_s``: from ``arrival_time`` to now, when the engine loop holds the finished output
      (vLLM's end-to-end latency, measured the way vLLM measures it: wall clock since arrival).

    A time vLLM left at its 0.0 default (never set) is None, not 0.
    """
    completion = output.outputs[0]
    prompt_ids = getattr(output, "prompt_token_ids", None)
    token_ids = getattr(completion, "token_ids", None)
    reason = getattr(completion, "finish_reason", None)
    answer = {
        "text": completion.text,
        "finish_reason": None if reason is None else str(reason),
        "prompt_tokens": None if prompt_ids is None else len(prompt_ids),
        "output_tokens": None if token_ids is None else len(token_ids),
        "queued_s": None,
        "first_token_s": None,
        "total_s": None,
    }
    metrics = getattr(output, "metrics", None)
    if metrics is None:
        return answer
    queued, scheduled = _stamp(metrics, "queued_ts"), _stamp(metrics, "scheduled_ts")
    if queued is not None and scheduled is not None and scheduled >= queued:
        answer["queued_s"] = scheduled - queued
    answer["first_token_s"] = _stamp(metrics, "first_token_latency")
    arrival = _stamp(metrics, "arrival_time")
    if arrival is not None:
        # vLLM's arrival time is wall-clock (time.time()); a monotonic one is far below 1e9 seconds
        if now is None:
            now = time.time() if arrival > 1e9 else time.monotonic()
        if now >= arrival:
            answer["total_s"] = now - arrival
    return answer


def _stamp(metrics, name):
    value = getattr(metrics, name, None)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return float(value)


def start(engine_id):
    """Starts the loop of engine ``engine_id`` (idempotent)."""
    with _lock:
        stream = _streams.get(engine_id)
        if stream is None:
            llm = engines.llm(engine_id)
            render = vllm_api.renderer(llm, vllm_api.version_of(vllm_api.import_vllm()))
            stream = EngineStream(engine_id, llm, engines.watch(engine_id), render).start()
            _streams[engine_id] = stream
    return True


def active(engine_id):
    return engine_id in _streams


def _stream(engine_id):
    stream = _streams.get(engine_id)
    if stream is None:
        raise KeyError(f"engine {engine_id} has no running stream: start it first")
    return stream


def submit(engine_id, java_id, prompt, video, fps, extra_kwargs, sampling_kwargs):
    """Enqueues one request; ``sampling_kwargs`` None reuses the previous ones of this stream.

    The Python half's one sampling cache: Java sends the parameters only when they changed
    (``dev.qwenvl.jep.SamplingCache``, its one Java home), so one submit stays cheap.
    """
    stream = _stream(engine_id)
    if sampling_kwargs is not None:
        stream._sampling = vllm_api.sampling_params(vllm_api.import_vllm(), sampling_kwargs)  # noqa: SLF001
    if stream._sampling is None:  # noqa: SLF001
        raise ValueError(f"engine {engine_id} has no sampling parameters yet: send them with the first request")
    (item,) = prompts.build_inputs([prompt], [video], [fps], [extra_kwargs])
    stream.submit(java_id, item, stream._sampling)  # noqa: SLF001
    return True


def take(engine_id):
    """The requests finished since the last take (see the module notes)."""
    stream = _streams.get(engine_id)
    return stream.take() if stream is not None else []


def stats(engine_id):
    """``{held, steps, batched, submitted, finished, wakes}`` (see the module notes)."""
    stream = _streams.get(engine_id)
    if stream is None:
        return {"held": 0, "steps": 0, "batched": 0, "submitted": 0, "finished": 0, "wakes": 0}
    return {"held": stream.held(), "steps": stream.steps, "batched": stream.batched, "submitted": stream.submitted,
            "finished": stream.finished, "wakes": stream.wakes}


def stop(engine_id):
    """Aborts the requests in flight and ends the loop; returns the ids it answered as aborted."""
    with _lock:
        stream = _streams.pop(engine_id, None)
    if stream is None:
        return []
    if not stream.stop():
        log.warning("the engine loop of engine %s did not end within 10 s", engine_id)
    return stream.take()
