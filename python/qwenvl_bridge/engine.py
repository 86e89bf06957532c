"""The vLLM side of the engine facade: builds ``vllm.LLM`` from Java's values, reports its
processes and their death, and closes it. Requests run through the engine's loop
(:mod:`qwenvl_bridge.stream`), the one generate path.

Engines live in a registry keyed by an integer id that Java holds (:mod:`qwenvl_bridge.engines`);
Python objects never cross to Java. Every function runs on the runtime's single interpreter thread.
"""

import contextlib
import gc
import itertools
import logging
import os
import threading
import time

from . import engines, signals, stream, vllm_api

log = logging.getLogger(__name__)


def create(engine_kwargs, visible_devices=None):
    """Constructs ``vllm.LLM(**engine_kwargs)`` and returns its id.

    ``visible_devices`` (e.g. ``"3"`` or ``"2,3"``) pins the engine: its engine-core process is
    spawned with ``CUDA_VISIBLE_DEVICES`` set to it (see :func:`pinned`). None: not pinned.
    """
    vllm = vllm_api.import_vllm()
    return engines.register(_construct(vllm, engine_kwargs, visible_devices))


#: What the library adds to Java's engine arguments unless they name it: per-request stats on, so
#: that each finished request carries vLLM's times (queued, first token, total; see
#: :func:`qwenvl_bridge.stream.facts`). ``vllm.LLM`` turns them off by default; with them on vLLM
#: also logs its throughput at INFO every 10 s (its Prometheus logger is taken off each engine:
#: :func:`qwenvl_bridge.vllm_api.drop_prometheus_logger`). A user's
#: ``disable_log_stats=True`` (``--engine-arg``) keeps them off, and the times are then null.
STATS_DEFAULTS = {"disable_log_stats": False}


def _construct(vllm, engine_kwargs, visible_devices):
    engine_kwargs = vllm_api.engine_kwargs(
        {**engine_kwargs, **{k: v for k, v in STATS_DEFAULTS.items() if k not in engine_kwargs}})
    log.info("starting vllm %s with %s%s", getattr(vllm, "__version__", "?"), engine_kwargs,
             "" if visible_devices is None else f" on devices {visible_devices}")
    try:
        if visible_devices is None:
            with _pin_lock:  # not while another construction has the variable set
                llm = vllm.LLM(**engine_kwargs)
        else:
            with pinned(visible_devices):
                llm = vllm.LLM(**engine_kwargs)
    finally:
        signals.restore("starting a vllm engine")
    if vllm_api.drop_prometheus_logger(llm):
        log.debug("vllm's Prometheus stat logger is off (per-request stats and the throughput log stay)")
    return llm


_constructions = {}  # ticket -> [thread, engine id or None, exception or None]
_next_ticket = itertools.count(1)


def start_create(engine_kwargs, visible_devices=None):
    """Like :func:`create`, on a thread of its own: returns a ticket at once, for :func:`created`.

    An engine start takes minutes on a GPU; meanwhile the interpreter thread stays free for the
    calls of engines already running (an engine pool restarting one member goes on with the
    others). vLLM is imported here, on the interpreter thread; only the construction moves.
    """
    vllm = vllm_api.import_vllm()
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
    return engines.register(entry[1])


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
    """``[{"pid", "name"}, ...]``: the engine's child processes (empty when it runs in-process)."""
    watch = engines.watch(engine_id)
    return [{"pid": pid, "name": name} for pid, name in watch.pids] if watch is not None else []


def death(engine_id):
    """The engine's dead process by name (:meth:`enginewatch.Death.as_dict`), or ``None``."""
    watch = engines.watch(engine_id)
    return watch.death.as_dict() if watch is not None and watch.death is not None else None


def close(engine_id):
    """Shuts the engine down and forgets it; unknown ids are ignored (close is idempotent)."""
    stream.stop(engine_id)  # aborts the requests in flight first
    llm, watch = engines.remove(engine_id)
    if watch is not None:
        watch.stop()  # a deliberate shutdown is not a death
    if llm is None:
        return False
    engine = getattr(llm, "llm_engine", None)
    shutdown = getattr(engine, "shutdown", None) or getattr(getattr(engine, "engine_core", None), "shutdown", None)
    started = time.monotonic()
    if callable(shutdown):
        try:
            shutdown()
        except Exception:  # noqa: BLE001 - best effort; the engine is dropped either way
            log.warning("vllm engine %s did not shut down cleanly", engine_id, exc_info=True)
    del llm, engine
    shut = time.monotonic()
    gc.collect()
    log.info("vllm engine %s shut down in %.1f s, its garbage collected in %.1f s", engine_id, shut - started,
             time.monotonic() - shut)
    return True


def count():
    """How many engines are open (leak checks)."""
    return engines.count()
