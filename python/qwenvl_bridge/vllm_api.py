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
