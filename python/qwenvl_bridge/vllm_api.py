"""The vLLM the embedded interpreter imports: its supported versions, its import, and the one
private vLLM function the library uses (behind a version check, with a public fallback).

* :data:`SUPPORTED_VLLM`: the versions the library runs on; :func:`import_vllm` refuses others.
* :func:`renderer`: how the engine loop (:mod:`qwenvl_bridge.stream`) turns a prompt dict into
  what ``LLMEngine.add_request`` takes. On the vLLM versions in :data:`PRIVATE_RENDER` it is
  ``LLM._preprocess_cmpl_one`` (private: the same rendering ``LLM.generate`` does, with the
  ``LLM``'s renderer and tokenizer settings); elsewhere, or when that function is missing, the
  prompt dict goes to ``add_request`` as is (public: ``add_request`` accepts a prompt and renders
  it itself). ``python/tests/test_vllm_api.py`` fails when the installed vLLM is in
  :data:`PRIVATE_RENDER` but lacks the private function.
"""

import inspect
import logging
import os
import sys

from . import signals, start_method
from .errors import EngineError

log = logging.getLogger(__name__)

#: vLLM versions the library supports: from ``SUPPORTED_VLLM[0]`` up to, not including,
#: ``SUPPORTED_VLLM[1]``. Below 0.11 vLLM takes no video metadata with frames (the sampled rate
#: could not reach the model) and has no Qwen3-VL; 0.32 is the version the tests run. Above, the
#: multimodal path changes from release to release (0.32 moved normalisation onto the device), so
#: a newer vLLM is refused until the vision-input oracle test has passed on it.
SUPPORTED_VLLM = ("0.11.0", "0.33.0")

#: vLLM versions (from, up to and not including) whose private ``LLM._preprocess_cmpl_one`` the
#: engine loop uses to render a prompt; checked on 0.32.0.
PRIVATE_RENDER = ("0.32.0", "0.33.0")
#: The private function, and the argument it takes the prompt as.
PRIVATE_RENDER_NAME = "_preprocess_cmpl_one"
PRIVATE_RENDER_ARGUMENT = "prompt"


class VllmNotInstalled(EngineError, ImportError):
    """vllm cannot be imported in the embedded interpreter's environment."""

    def __init__(self, message):
        super().__init__(EngineError.ENGINE_UNAVAILABLE, message)


class VllmVersionUnsupported(EngineError, ImportError):
    """The installed vllm is outside :data:`SUPPORTED_VLLM`."""

    def __init__(self, message):
        super().__init__(EngineError.ENGINE_UNAVAILABLE, message)


def release(version):
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


def within(version, bounds):
    """Whether ``version`` is in ``bounds`` (from, up to and not including)."""
    low, high = bounds
    return release(low) <= release(version) < release(high)


def check_version(version):
    """Raises :class:`VllmVersionUnsupported` unless ``version`` is within :data:`SUPPORTED_VLLM`."""
    low, high = SUPPORTED_VLLM
    if not within(version, SUPPORTED_VLLM):
        raise VllmVersionUnsupported(
            f"vllm {version} is installed in {sys.executable}, but qwenvl-jep supports vllm >= {low} and < {high} "
            f"(tested with 0.32.0): install a supported version, e.g. {sys.executable} -m pip install 'vllm>={low},<{high}'"
        )


def import_vllm():
    """Imports vllm for an engine: spawn start method, our logging, a supported version."""
    # vLLM would install its own logging handlers on stdout; ours forward to SLF4J instead.
    os.environ.setdefault("VLLM_CONFIGURE_LOGGING", "0")
    # Its processes must be spawned, never forked from the JVM (raises UnsafeStartMethod on fork).
    start_method.require_spawn()
    try:
        import vllm
    except ImportError as error:
        raise VllmNotInstalled(
            f"vllm is not installed in {sys.executable} ({error}): install it into that environment: "
            f"{sys.executable} -m pip install vllm on a GPU machine, or on a CPU-only machine run "
            f"`bash python/setup-e2e.sh` from the qwenvl-jep sources (vLLM's CPU build)"
        ) from error
    signals.restore("importing vllm")  # libtvm_ffi.so takes SIGSEGV when it loads
    check_version(version_of(vllm))
    return vllm


def version_of(vllm):
    return getattr(vllm, "__version__", "0")


def private_render(llm_class_or_instance):
    """The private rendering function of an ``LLM`` (class or instance) when it has the expected
    shape (callable, takes ``prompt``), else ``None``."""
    render = getattr(llm_class_or_instance, PRIVATE_RENDER_NAME, None)
    if not callable(render):
        return None
    try:
        parameters = inspect.signature(render).parameters
    except (TypeError, ValueError):
        return None
    return render if PRIVATE_RENDER_ARGUMENT in parameters else None


def renderer(llm, version):
    """The function that turns a prompt dict into what ``add_request`` takes (see the module notes)."""
    if within(version, PRIVATE_RENDER):
        render = private_render(llm)
        if render is not None:
            return render
        log.warning("vllm %s has no usable LLM.%s: prompts go to add_request unrendered (public path)",
                    version, PRIVATE_RENDER_NAME)
    return _as_is


def _as_is(prompt):
    return prompt


#: The key of the sampling kwargs that holds a JSON Schema (text), as Java's
#: ``dev.qwenvl.engine.SamplingParams.JSON_SCHEMA_KWARG`` sends it.
JSON_SCHEMA_KWARG = "json_schema"


def sampling_params(vllm, kwargs):
    """``vllm.SamplingParams`` of the kwargs Java sent; a JSON Schema under :data:`JSON_SCHEMA_KWARG`
    becomes the installed vLLM's structured outputs.

    From vLLM 0.11 (PR #22772) the field is ``structured_outputs=StructuredOutputsParams(json=...)``;
    before, and as a deprecated alias in 0.11 only, ``guided_decoding=GuidedDecodingParams(json=...)``
    (removed in 0.12). Both are looked up by name, so every version of :data:`SUPPORTED_VLLM` works.
    """
    kwargs = dict(kwargs)
    schema = kwargs.pop(JSON_SCHEMA_KWARG, None)
    if schema is not None:
        name, value = structured_output(vllm, schema)
        kwargs[name] = value
    return vllm.SamplingParams(**kwargs)


def _sampling_module(vllm):
    """``vllm.sampling_params`` (a submodule ``import vllm`` may not have loaded yet)."""
    module = getattr(vllm, "sampling_params", None)
    name = getattr(vllm, "__name__", None)
    if (module is None or not hasattr(module, "SamplingParams")) and isinstance(name, str):
        import importlib

        try:
            module = importlib.import_module(name + ".sampling_params")
        except ImportError:
            pass
    return module


def structured_output(vllm, schema):
    """(the ``SamplingParams`` keyword, its value) that constrains decoding to JSON Schema ``schema``."""
    import json

    parsed = json.loads(schema) if isinstance(schema, str) else schema
    module = _sampling_module(vllm)
    params = getattr(module, "StructuredOutputsParams", None)
    if params is not None:
        # compact JSON (no free whitespace): a model cannot spend its tokens on blanks
        return "structured_outputs", params(json=parsed, disable_any_whitespace=True)
    params = getattr(module, "GuidedDecodingParams", None)
    if params is not None:
        return "guided_decoding", params(json=parsed)
    raise EngineError(EngineError.ENGINE_UNAVAILABLE,
                      f"vllm {version_of(vllm)} has neither StructuredOutputsParams nor GuidedDecodingParams: "
                      f"it cannot constrain captions to a JSON Schema")


#: The engine argument that makes structured outputs compact JSON; vLLM reads it per engine only
#: (0.32 ignores the per-request ``disable_any_whitespace``).
STRUCTURED_OUTPUTS_CONFIG = "structured_outputs_config"


def engine_kwargs(kwargs):
    """``vllm.LLM`` kwargs with compact structured outputs: unless the caller set
    :data:`STRUCTURED_OUTPUTS_CONFIG` (``--engine-arg``), the backend is xgrammar and
    ``disable_any_whitespace`` is on, so that a
    JSON-Schema-constrained caption has no free whitespace between its tokens (with it free, a model
    can spend ``max_tokens`` on blanks and the JSON never closes). Only a vLLM that has
    ``vllm.config.StructuredOutputsConfig`` (0.11 and later) gets it; free-text requests do not
    change."""
    if STRUCTURED_OUTPUTS_CONFIG in kwargs:
        return kwargs
    try:
        from vllm.config import StructuredOutputsConfig  # noqa: F401 - only asks whether it exists
    except ImportError:
        return kwargs
    # vLLM refuses disable_any_whitespace with the "auto" backend: name xgrammar, the backend the
    # schema was checked with before the model loaded (qwenvl_bridge.structured)
    return {**kwargs, STRUCTURED_OUTPUTS_CONFIG: {"backend": "xgrammar", "disable_any_whitespace": True}}


def drop_prometheus_logger(llm):
    """Takes vLLM's Prometheus stat logger off ``llm``'s engine; returns True when one was removed.

    With stats on (the library's default, for each request's times), every engine step records
    into vLLM's Prometheus histograms and counters under locks: two thirds of the GIL-holding time
    of a step at one request per step (``docs/feed.md``), for metrics that nothing scrapes in an
    embedded interpreter and that are wrong with more than one engine in a process (each engine's
    start unregisters the collectors of the engines started before it). The per-request stats
    (``RequestOutput.metrics``) and vLLM's throughput log line stay: they do not go through this
    logger. Its collectors leave the process's Prometheus registry too, so that no frozen value
    is left to read. Looked up by name; a vLLM without them keeps its loggers (False)."""
    manager = getattr(getattr(llm, "llm_engine", None), "logger_manager", None)
    loggers = getattr(manager, "stat_loggers", None)
    try:
        from vllm.v1.metrics.loggers import PrometheusStatLogger
    except ImportError:
        return False
    if not isinstance(loggers, list):
        return False
    kept = [stat_logger for stat_logger in loggers if not isinstance(stat_logger, PrometheusStatLogger)]
    if len(kept) == len(loggers):
        return False
    manager.stat_loggers = kept
    try:
        from vllm.v1.metrics.prometheus import unregister_vllm_metrics

        unregister_vllm_metrics()
    except ImportError:
        log.debug("this vllm has no unregister_vllm_metrics; its collectors stay registered")
    return True


def output_queue(engine):
    """The queue in which ``engine``'s (an ``LLMEngine``) client keeps the engine-core outputs that
    ``step()`` has not processed yet, or None when its client is not vLLM's multiprocess
    ``SyncMPClient`` (an in-process engine core, which steps inside ``step()``, or a client of
    another shape). That client's own thread fills ``outputs_queue`` as the engine-core process,
    stepping on its own, sends them. Looked up by name."""
    client = getattr(engine, "engine_core", None)
    if type(client).__name__ != "SyncMPClient":
        return None
    outputs = getattr(client, "outputs_queue", None)
    return outputs if callable(getattr(outputs, "qsize", None)) else None
