"""The vLLM side of the engine facade: builds ``vllm.LLM`` from Java's values and runs generate.

Engines live in a registry keyed by an integer id that Java holds; Python objects never cross to
Java. Every function runs on the runtime's single interpreter thread.
"""

import gc
import itertools
import logging
import os

log = logging.getLogger(__name__)

#: Sampling rate assumed for a video whose request names none (the library's default rate).
DEFAULT_FPS = 2.0

_engines = {}
_next_id = itertools.count(1)


class VllmNotInstalled(ImportError):
    """vllm cannot be imported in the embedded interpreter's environment."""


def _import_vllm():
    # vLLM would install its own logging handlers on stdout; ours forward to SLF4J instead.
    os.environ.setdefault("VLLM_CONFIGURE_LOGGING", "0")
    try:
        import vllm
    except ImportError as error:
        import sys

        raise VllmNotInstalled(
            f"vllm is not installed in {sys.executable} ({error}): install it into that environment: "
            f"{sys.executable} -m pip install vllm on a GPU machine, or on a CPU-only machine run "
            f"`bash python/setup-e2e.sh` from the qwenvl-jep sources (vLLM's CPU build)"
        ) from error
    return vllm


def create(engine_kwargs):
    """Constructs ``vllm.LLM(**engine_kwargs)`` and returns its id."""
    vllm = _import_vllm()
    log.info("starting vllm %s with %s", getattr(vllm, "__version__", "?"), engine_kwargs)
    llm = vllm.LLM(**engine_kwargs)
    engine_id = next(_next_id)
    _engines[engine_id] = llm
    return engine_id


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


def build_inputs(prompts, videos, processor_kwargs):
    """vLLM prompt dicts: one prompt with one video each, plus per-request processor kwargs.

    A video travels as ``(frames, metadata)`` (vLLM >= 0.11 requires metadata for Qwen-VL
    videos); the metadata's fps is the request's ``fps`` processor argument, 2.0 when absent.
    """
    if not (len(prompts) == len(videos) == len(processor_kwargs)):
        raise ValueError(
            f"prompts, videos and processor kwargs differ in length: "
            f"{len(prompts)}, {len(videos)}, {len(processor_kwargs)}"
        )
    inputs = []
    for prompt, video, kwargs in zip(prompts, videos, processor_kwargs):
        frames = _video(video)
        kwargs = dict(kwargs or {})
        metadata = video_metadata(frames, kwargs.get("fps", DEFAULT_FPS))
        item = {"prompt": prompt, "multi_modal_data": {"video": (frames, metadata)}}
        if kwargs:
            item["mm_processor_kwargs"] = kwargs
        inputs.append(item)
    return inputs


def generate(engine_id, prompts, videos, processor_kwargs, sampling_kwargs):
    """Runs one batch; returns the first completion's text of each request, in order."""
    llm = _engine(engine_id)
    vllm = _import_vllm()
    params = vllm.SamplingParams(**sampling_kwargs)
    outputs = llm.generate(build_inputs(prompts, videos, processor_kwargs), sampling_params=params, use_tqdm=False)
    if len(outputs) != len(prompts):
        raise RuntimeError(f"vllm returned {len(outputs)} outputs for {len(prompts)} prompts")
    return [out.outputs[0].text for out in outputs]


def close(engine_id):
    """Shuts the engine down and forgets it; unknown ids are ignored (close is idempotent)."""
    llm = _engines.pop(engine_id, None)
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
