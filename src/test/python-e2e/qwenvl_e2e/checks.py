"""What the end-to-end tests ask the real environment."""

import dataclasses
import inspect


def vllm_engine_fields():
    """Names of vllm.EngineArgs fields (what vllm.LLM(**kwargs) accepts besides its own)."""
    from vllm.engine.arg_utils import EngineArgs

    return sorted(f.name for f in dataclasses.fields(EngineArgs))


def vllm_llm_parameters():
    """Named parameters of vllm.LLM.__init__."""
    from vllm import LLM

    return sorted(inspect.signature(LLM.__init__).parameters)


def vllm_sampling_fields():
    """Names vllm.SamplingParams accepts."""
    from vllm import SamplingParams

    fields = getattr(SamplingParams, "__struct_fields__", None)
    if fields is None:
        fields = inspect.signature(SamplingParams).parameters
    return sorted(fields)


def versions():
    import torch
    import vllm

    return {"vllm": vllm.__version__, "torch": torch.__version__}


def token_count(model_path, text):
    """Tokens of ``text`` under the model's own tokenizer (no special tokens added)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(f"{model_path}/tokenizer.json")
    return len(tok.encode(text, add_special_tokens=False).ids)


def engines_open():
    from qwenvl_bridge import engine

    return engine.count()


def seconds_per_grid(model_path, fps):
    """Qwen2.5-VL's ``second_per_grid_ts`` (time between temporal patches, which sets the video's
    M-RoPE time positions) for 8 frames sent with the metadata the library builds at ``fps``.

    vLLM hands this metadata to the model's processor; ``do_sample_frames`` is vLLM's own key
    and is removed before, as vLLM does."""
    import numpy as np
    from transformers import AutoProcessor

    from qwenvl_bridge.prompts import video_metadata

    processor = AutoProcessor.from_pretrained(model_path)
    frames = np.zeros((8, 112, 112, 3), dtype=np.uint8)
    metadata = {k: v for k, v in video_metadata(frames, fps).items() if k != "do_sample_frames"}
    out = processor(text=["<|vision_start|><|video_pad|><|vision_end|>x"], videos=[frames],
                    video_metadata=[metadata], do_sample_frames=False, return_tensors="np")
    return [float(x) for x in out["second_per_grid_ts"]]


def start_method_report():
    """What start method vLLM will use in the embedded interpreter, before any engine starts.

    ``vllm_default`` is what vLLM's own ``get_mp_context()`` picks with the variable unset and CUDA
    not initialised in the parent: ``fork``, which is what a GPU machine gets (vLLM's CPU platform
    switches to spawn only when an engine is created). ``library`` is what it picks after the
    library's import of vllm (``vllm_api.import_vllm``), which a GPU machine gets too.
    """
    import os

    from vllm import envs
    from vllm.utils.system_utils import get_mp_context

    variable = "VLLM_WORKER_MULTIPROC_METHOD"
    before = os.environ.pop(variable, None)
    try:
        vllm_default = [envs.VLLM_WORKER_MULTIPROC_METHOD, get_mp_context().get_start_method()]
    finally:
        os.environ.pop(variable, None)
        if before is not None:
            os.environ[variable] = before
    from qwenvl_bridge import vllm_api

    vllm_api.import_vllm()
    return {
        "before": before,
        "vllm_default": vllm_default,
        "library": [envs.VLLM_WORKER_MULTIPROC_METHOD, get_mp_context().get_start_method()],
    }


def vllm_imported():
    import sys

    return "vllm" in sys.modules


def load_native_module(name):
    """Imports ``name`` (loading its shared libraries into this process); False when not installed."""
    import importlib
    import importlib.util

    if importlib.util.find_spec(name.split(".")[0]) is None:
        return False
    importlib.import_module(name)
    return True


# Every vLLM metric object these totals have read, kept so that none is garbage-collected between
# two readings (the totals are read as differences).
_METRICS_SEEN = {}


def vllm_request_totals():
    """What vLLM itself recorded over the finished requests of this process, from its Prometheus
    histograms (kept with ``disable_log_stats=False``, which the library sets): request count and
    the sums of prompt tokens, generation tokens, time to first token, queue time and end-to-end
    latency, over every engine of this process. vLLM fills these from its own per-request
    bookkeeping (``FinishedRequestStats``), not from the ``RequestOutput`` the library reads.

    Read from the metric objects themselves, not from the Prometheus registry: each engine start
    unregisters the collectors of the engines started before it (``unregister_vllm_metrics``),
    whose loggers keep counting into them. An engine started earlier and still serving (the
    engines the e2e classes share, E2ESharedRuntime) would be invisible in the registry."""
    import gc

    from prometheus_client.metrics import MetricWrapperBase

    wanted = {
        "vllm:request_prompt_tokens": "prompt_tokens",
        "vllm:time_to_first_token_seconds": "first_token_seconds",
        "vllm:request_generation_tokens": "output_tokens",
        "vllm:request_queue_time_seconds": "queued_seconds",
        "vllm:e2e_request_latency_seconds": "total_seconds",
    }
    for o in gc.get_objects():
        # the labelled children (and unlabelled metrics) hold the values; a parent only lists them
        if isinstance(o, MetricWrapperBase) and getattr(o, "_name", None) in wanted and not o._is_parent():
            _METRICS_SEEN[id(o)] = o
    totals = {name: 0.0 for name in wanted.values()}
    totals["requests"] = 0.0
    for metric in _METRICS_SEEN.values():
        for family in metric.collect():
            key = wanted[family.name]
            for sample in family.samples:
                if sample.name == family.name + "_sum":
                    totals[key] += sample.value
                elif sample.name == family.name + "_count" and key == "prompt_tokens":
                    totals["requests"] += sample.value
    return totals

