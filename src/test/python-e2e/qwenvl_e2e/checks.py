"""What the end-to-end tests ask the real environment."""

import dataclasses
import inspect
import weakref


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


class _RequestTotals:
    """A stat logger that sums what vLLM's own per-request bookkeeping reports for each finished
    request (``IterationStats.finished_requests``, ``FinishedRequestStats``) and each first token
    (``IterationStats.time_to_first_tokens_iter``): the values vLLM's Prometheus histograms are
    filled from. The library takes that Prometheus logger off its engines
    (``qwenvl_bridge.vllm_api.drop_prometheus_logger``), so the tests add this one instead."""

    def __init__(self):
        self.totals = {"prompt_tokens": 0.0, "first_token_seconds": 0.0, "output_tokens": 0.0,
                       "queued_seconds": 0.0, "total_seconds": 0.0, "requests": 0.0}

    def record(self, scheduler_stats, iteration_stats, mm_cache_stats=None, engine_idx=0):
        if iteration_stats is None:
            return
        for ttft in iteration_stats.time_to_first_tokens_iter:
            self.totals["first_token_seconds"] += ttft
        for finished in iteration_stats.finished_requests:
            self.totals["requests"] += 1
            self.totals["prompt_tokens"] += finished.num_prompt_tokens
            self.totals["output_tokens"] += finished.num_generation_tokens
            self.totals["queued_seconds"] += finished.queued_time
            self.totals["total_seconds"] += finished.e2e_latency

    def record_sleep_state(self, *args, **kwargs):
        pass

    def record_admission_rejection(self, *args, **kwargs):
        pass

    def log(self):
        pass

    def log_engine_initialized(self):
        pass


_SEEN = weakref.WeakSet()  # the engines that have a _RequestTotals
_TOTALS = []  # every _RequestTotals added, kept after its engine closed: totals are read as differences


def vllm_request_totals():
    """What vLLM itself recorded over the finished requests of this process's open engines: request
    count and the sums of prompt tokens, generation tokens, time to first token, queue time and
    end-to-end latency. vLLM computes these in its own per-request bookkeeping (kept with
    ``disable_log_stats=False``, which the library sets), not from the ``RequestOutput`` the library
    reads. The first call that sees an engine adds a :class:`_RequestTotals` logger to it, so read
    the totals once before the requests and once after, and compare the difference."""
    from qwenvl_bridge import engines

    for llm in engines.open_llms():
        if llm not in _SEEN:
            totals = _RequestTotals()
            llm.llm_engine.logger_manager.stat_loggers.append(totals)
            _SEEN.add(llm)
            _TOTALS.append(totals)
    summed = {name: 0.0 for name in _RequestTotals().totals}
    for totals in _TOTALS:
        for name, value in totals.totals.items():
            summed[name] += value
    return summed



def stat_loggers_of_open_engines():
    """The class names of the stat loggers of every open engine, one list per engine."""
    from qwenvl_bridge import engines

    return [[type(stat_logger).__name__ for stat_logger in llm.llm_engine.logger_manager.stat_loggers]
            for llm in engines.open_llms()]
