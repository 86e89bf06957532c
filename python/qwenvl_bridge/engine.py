"""The vLLM side of the engine facade: builds ``vllm.LLM`` from Java's values and runs generate.

Engines live in a registry keyed by an integer id that Java holds; Python objects never cross to
Java. Every function runs on the runtime's single interpreter thread.
"""

import contextlib
import gc
import itertools
import logging
import os
import threading

from . import enginewatch, signals, start_method

log = logging.getLogger(__name__)

#: Sampling rate assumed for a video whose request names none (the library's default rate).
DEFAULT_FPS = 2.0

_engines = {}
_watches = {}  # engine id -> the EngineWatch of its processes
_sampling = {}  # engine id -> the SamplingParams of its latest batch
_next_id = itertools.count(1)


#: vLLM versions the library supports: from ``SUPPORTED_VLLM[0]`` up to, not including,
#: ``SUPPORTED_VLLM[1]``. Below 0.11 vLLM takes no video metadata with frames (the sampled rate
#: could not reach the model) and has no Qwen3-VL; 0.32 is the version the tests run. Above, the
#: multimodal path changes from release to release (0.32 moved normalisation onto the device), so
#: a newer vLLM is refused until the vision-input oracle test has passed on it.
SUPPORTED_VLLM = ("0.11.0", "0.33.0")


class VllmNotInstalled(ImportError):
    """vllm cannot be imported in the embedded interpreter's environment."""


class VllmVersionUnsupported(ImportError):
    """The installed vllm is outside :data:`SUPPORTED_VLLM`."""


def _release(version):
    """(major, minor, patch) of a version string such as ``0.32.0``, ``0.11.1rc2`` or ``0.9.0+cpu``."""
    parts = []
    for piece in str(version).split("+")[0].split(".")[:3]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def check_version(version):
    """Raises :class:`VllmVersionUnsupported` unless ``version`` is within :data:`SUPPORTED_VLLM`."""
    low, high = SUPPORTED_VLLM
    if not (_release(low) <= _release(version) < _release(high)):
        import sys

        raise VllmVersionUnsupported(
            f"vllm {version} is installed in {sys.executable}, but qwenvl-jep supports vllm >= {low} and < {high} "
            f"(tested with 0.32.0): install a supported version, e.g. {sys.executable} -m pip install 'vllm>={low},<{high}'"
        )


def _import_vllm():
    # vLLM would install its own logging handlers on stdout; ours forward to SLF4J instead.
    os.environ.setdefault("VLLM_CONFIGURE_LOGGING", "0")
    # Its processes must be spawned, never forked from the JVM (raises UnsafeStartMethod on fork).
    start_method.require_spawn()
    try:
        import vllm
    except ImportError as error:
        import sys

        raise VllmNotInstalled(
            f"vllm is not installed in {sys.executable} ({error}): install it into that environment: "
            f"{sys.executable} -m pip install vllm on a GPU machine, or on a CPU-only machine run "
            f"`bash python/setup-e2e.sh` from the qwenvl-jep sources (vLLM's CPU build)"
        ) from error
    signals.restore("importing vllm")  # libtvm_ffi.so takes SIGSEGV when it loads
    check_version(getattr(vllm, "__version__", "0"))
    return vllm


def create(engine_kwargs, visible_devices=None):
    """Constructs ``vllm.LLM(**engine_kwargs)`` and returns its id.

    ``visible_devices`` (e.g. ``"3"`` or ``"2,3"``) pins the engine: its engine-core process is
    spawned with ``CUDA_VISIBLE_DEVICES`` set to it (see :func:`pinned`). None: not pinned.
    """
    vllm = _import_vllm()
    return _register(_construct(vllm, engine_kwargs, visible_devices))


def _construct(vllm, engine_kwargs, visible_devices):
    log.info("starting vllm %s with %s%s", getattr(vllm, "__version__", "?"), engine_kwargs,
             "" if visible_devices is None else f" on devices {visible_devices}")
    try:
        if visible_devices is None:
            with _pin_lock:  # not while another construction has the variable set
                return vllm.LLM(**engine_kwargs)
        with pinned(visible_devices):
            return vllm.LLM(**engine_kwargs)
    finally:
        signals.restore("starting a vllm engine")


_constructions = {}  # ticket -> [thread, engine id or None, exception or None]
_next_ticket = itertools.count(1)


def start_create(engine_kwargs, visible_devices=None):
    """Like :func:`create`, on a thread of its own: returns a ticket at once, for :func:`created`.

    An engine start takes minutes on a GPU; meanwhile the interpreter thread stays free for the
    calls of engines already running (an engine pool restarting one member goes on with the
    others). vLLM is imported here, on the interpreter thread; only the construction moves.
    """
    vllm = _import_vllm()
    ticket = next(_next_ticket)
    entry = [None, None, None]

    def construct():
        try:
            entry[1] = _construct(vllm, engine_kwargs, visible_devices)
        except BaseException as error:  # noqa: BLE001 - handed to the caller by created()
            entry[2] = error

    entry[0] = threading.Thread(target=construct, name=f"qwenvl-engine-start-{ticket}", daemon=True)
    _constructions[ticket] = entry
    entry[0].start()
    return ticket


def created(ticket):
    """The engine id of a :func:`start_create` once it is built, None while it is being built;
    raises the construction's own exception when it failed."""
    entry = _constructions[ticket]
    if entry[0].is_alive():
        return None
    del _constructions[ticket]
    if entry[2] is not None:
        raise entry[2]
    return _register(entry[1])


def _register(llm):
    engine_id = next(_next_id)
    _engines[engine_id] = llm
    _watches[engine_id] = enginewatch.EngineWatch(llm, label=str(engine_id)).start()
    return engine_id


_pin_lock = threading.Lock()


@contextlib.contextmanager
def pinned(visible_devices):
    """Sets ``CUDA_VISIBLE_DEVICES`` for the duration of one engine's construction, then restores it.

    vLLM spawns its engine core (and workers) while ``LLM(...)`` runs; a spawned child copies
    ``os.environ`` at that moment, so the child sees only these devices while this interpreter's
    environment is left as it was. The lock keeps two constructions from interleaving (they run
    on the one interpreter thread anyway).
    """
    with _pin_lock:
        before = os.environ.get("CUDA_VISIBLE_DEVICES")
        os.environ["CUDA_VISIBLE_DEVICES"] = str(visible_devices)
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("CUDA_VISIBLE_DEVICES", None)
            else:
                os.environ["CUDA_VISIBLE_DEVICES"] = before


def visible_devices():
    """The accelerator ids this process may use: ``CUDA_VISIBLE_DEVICES`` when it is set, else
    ``0..n-1`` for the n GPUs NVML (or CUDA) counts; empty on a machine without GPUs or with a
    torch built without CUDA (vLLM's CPU build). Counting through NVML first keeps CUDA
    uninitialised in this process, so that later pinning still applies to spawned engines."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        ids = [d.strip() for d in listed.split(",") if d.strip()]
        return [] if ids == ["-1"] else ids
    try:
        import torch
    except ImportError:
        return []
    try:
        if not torch.cuda._is_compiled():  # noqa: SLF001 - no CUDA in this torch build
            return []
        count = torch.cuda._device_count_nvml()  # noqa: SLF001 - does not initialise CUDA
        if count < 0:
            count = torch.cuda.device_count()
    except Exception:  # noqa: BLE001 - no driver: no devices
        log.debug("counting GPUs failed", exc_info=True)
        return []
    return [str(i) for i in range(count)]


def processes(engine_id):
    """``[[pid, name], ...]`` of the engine's child processes (empty when it runs in-process)."""
    watch = _watches.get(engine_id)
    return watch.pids if watch is not None else []


def death(engine_id):
    """``[name, pid, exitcode, signal name, message]`` of the engine's dead process, or ``None``."""
    watch = _watches.get(engine_id)
    return watch.death.as_list() if watch is not None and watch.death is not None else None


def _engine(engine_id):
    try:
        return _engines[engine_id]
    except KeyError:
        raise KeyError(f"no engine with id {engine_id}: it was closed or never started") from None


def _video(value):
    """A numpy array as is; an integer is a handle of frames decoded on the Python side."""
    if isinstance(value, int):
        from . import handles

        return handles.get(value)
    return value


def video_metadata(frames, fps):
    """The metadata vLLM's Qwen-VL processors read with a video: the frames are already sampled
    (so vLLM must not sample again), ``fps`` is the rate of the sampled frames, which sets the
    model's time positions (``second_per_grid_ts`` for Qwen2.5-VL)."""
    count = int(frames.shape[0])
    return {
        "fps": float(fps),
        "duration": count / float(fps),
        "total_num_frames": count,
        "frames_indices": list(range(count)),
        "video_backend": "qwenvl-jep",
        "do_sample_frames": False,
    }


def build_inputs(prompts, videos, fps, extra_kwargs=None):
    """vLLM prompt dicts: one prompt with one video each, plus per-request processor kwargs.

    A video travels as ``(frames, metadata)`` (vLLM >= 0.11 requires metadata for Qwen-VL
    videos); the metadata's fps is the request's sampling rate (``fps[i]``; None means
    the default 2.0), which also goes to the processor as its ``fps`` argument. ``extra_kwargs``
    is None or one dict per request of further processor arguments.
    """
    prompts, videos = list(prompts), list(videos)
    fps = list(fps) if fps is not None else [None] * len(prompts)
    extra_kwargs = list(extra_kwargs) if extra_kwargs is not None else [None] * len(prompts)
    if not (len(prompts) == len(videos) == len(fps) == len(extra_kwargs)):
        raise ValueError(
            f"prompts, videos, fps and processor kwargs differ in length: "
            f"{len(prompts)}, {len(videos)}, {len(fps)}, {len(extra_kwargs)}"
        )
    inputs = []
    for prompt, video, rate, extra in zip(prompts, videos, fps, extra_kwargs):
        frames = _video(video)
        kwargs = dict(extra) if extra else {}
        if rate is not None:  # None: no rate given
            kwargs["fps"] = float(rate)
        metadata = video_metadata(frames, kwargs.get("fps", DEFAULT_FPS))
        item = {"prompt": prompt, "multi_modal_data": {"video": (frames, metadata)}}
        if kwargs:
            item["mm_processor_kwargs"] = kwargs
        inputs.append(item)
    return inputs


def generate(engine_id, prompts, videos, fps, extra_kwargs, sampling_kwargs):
    """Runs one batch; returns the first completion's text of each request, in order.

    ``sampling_kwargs`` None reuses the engine's previous sampling parameters (Java sends them
    only when they change: one call per batch stays cheap).
    """
    outputs = _generate(engine_id, prompts, videos, fps, extra_kwargs, sampling_kwargs)
    return [out.outputs[0].text for out in outputs]


def generate_counted(engine_id, prompts, videos, fps, extra_kwargs, sampling_kwargs):
    """Like :func:`generate`, with token counts: ``[texts, prompt tokens, output tokens]``, one
    entry per request. Prompt tokens include the video's tokens (vLLM's ``prompt_token_ids``)."""
    outputs = _generate(engine_id, prompts, videos, fps, extra_kwargs, sampling_kwargs)
    return [
        [out.outputs[0].text for out in outputs],
        [len(out.prompt_token_ids or ()) for out in outputs],
        [len(out.outputs[0].token_ids or ()) for out in outputs],
    ]


def _generate(engine_id, prompts, videos, fps, extra_kwargs, sampling_kwargs):
    llm = _engine(engine_id)
    from . import stream

    if stream.active(engine_id):
        raise RuntimeError(f"engine {engine_id} runs a request stream: its batches must go through the stream")
    watch = _watches.get(engine_id)
    died = enginewatch.death_of(watch)
    if died is not None:
        raise died
    vllm = _import_vllm()
    if sampling_kwargs is not None:
        _sampling[engine_id] = vllm.SamplingParams(**sampling_kwargs)
    params = _sampling.get(engine_id)
    if params is None:
        raise ValueError(f"engine {engine_id} has no sampling parameters yet: send them with the first batch")
    inputs = build_inputs(prompts, videos, fps, extra_kwargs)
    try:
        outputs = llm.generate(inputs, sampling_params=params, use_tqdm=False)
        signals.restore("a vllm generate")
    except Exception as error:
        died = enginewatch.death_of(watch, error)
        if died is not None:
            raise died from error
        raise
    if len(outputs) != len(inputs):
        raise RuntimeError(f"vllm returned {len(outputs)} outputs for {len(inputs)} prompts")
    return outputs


def close(engine_id):
    """Shuts the engine down and forgets it; unknown ids are ignored (close is idempotent)."""
    from . import stream

    stream.stop(engine_id)  # aborts the requests in flight first
    llm = _engines.pop(engine_id, None)
    _sampling.pop(engine_id, None)
    watch = _watches.pop(engine_id, None)
    if watch is not None:
        watch.stop()  # a deliberate shutdown is not a death
    if llm is None:
        return False
    engine = getattr(llm, "llm_engine", None)
    shutdown = getattr(engine, "shutdown", None) or getattr(getattr(engine, "engine_core", None), "shutdown", None)
    if callable(shutdown):
        try:
            shutdown()
        except Exception:  # noqa: BLE001 - best effort; the engine is dropped either way
            log.warning("vllm engine %s did not shut down cleanly", engine_id, exc_info=True)
    del llm, engine
    gc.collect()
    return True


def count():
    """How many engines are open (leak checks)."""
    return len(_engines)
