"""Stand-in for vllm in bridge tests: records what it is given and answers deterministically.

It mimics the small surface the library uses: ``LLM(**kwargs)``, ``LLM.generate(inputs,
sampling_params=..., use_tqdm=...)`` returning objects with ``.outputs[0].text``, and
``SamplingParams(**kwargs)``. Captions are derived from the prompt and the video, so tests can
check order and which prompt produced which caption.
"""

import hashlib
import os
import time

# The version the stand-in claims; QWENVL_STANDIN_VLLM_VERSION fakes another (version-check tests).
__version__ = os.environ.get("QWENVL_STANDIN_VLLM_VERSION") or "0.32.0"

_constructed = []  # kwargs of every LLM(...)
_generate_calls = []  # per generate call: list of (prompt, video summary, mm kwargs), sampling kwargs
_closed = []


class SamplingParams:
    def __init__(self, **kwargs):
        self.kwargs = dict(kwargs)


class _Completion:
    def __init__(self, text, token_ids=()):
        self.text = text
        self.token_ids = list(token_ids)


class _RequestOutput:
    def __init__(self, text, prompt_token_ids=(), token_ids=()):
        self.outputs = [_Completion(text, token_ids)]
        self.prompt_token_ids = list(prompt_token_ids)


class _EngineCore:
    def __init__(self, owner):
        self._owner = owner

    def shutdown(self):
        _closed.append(self._owner.kwargs.get("model"))


class _LlmEngine:
    def __init__(self, owner):
        self.engine_core = _EngineCore(owner)


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


class LLM:
    def __init__(self, **kwargs):
        if kwargs.get("model", "").endswith("fail-to-load"):
            raise OSError(f"no config.json in {kwargs['model']}")
        self.kwargs = dict(kwargs)
        self.llm_engine = _LlmEngine(self)
        _constructed.append(dict(kwargs))

    def generate(self, inputs, sampling_params=None, use_tqdm=True):
        # Tests of interruption slow the stand-in down: QWENVL_STANDIN_DELAY_S seconds per generate call.
        delay = float(os.environ.get("QWENVL_STANDIN_DELAY_S", "0") or 0)
        if delay > 0:
            time.sleep(delay)
        calls = []
        outputs = []
        for item in inputs:
            prompt = item["prompt"]
            video = item["multi_modal_data"]["video"]
            mm = dict(item.get("mm_processor_kwargs") or {})
            if "FAIL" in prompt:
                raise RuntimeError("stand-in engine was told to fail")
            summary = _summary(video)
            calls.append({"prompt": prompt, "video": summary, "mm_processor_kwargs": mm})
            digest = hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:8]
            # Token counts: one "prompt token" per prompt character; max_tokens outputs with
            # ignore_eos, else one (the stand-in "stops" at once).
            sampling = sampling_params.kwargs
            n_out = int(sampling.get("max_tokens", 1)) if sampling.get("ignore_eos") else 1
            outputs.append(_RequestOutput(f"caption-{digest}", range(len(prompt)), range(n_out)))
        _generate_calls.append({"inputs": calls, "sampling": dict(sampling_params.kwargs), "use_tqdm": use_tqdm})
        return outputs


# --- test access (not part of vllm) -------------------------------------------------------


def recorded():
    """Everything recorded so far: constructed kwargs, generate calls, closed models."""
    return {"constructed": list(_constructed), "generate_calls": list(_generate_calls), "closed": list(_closed)}


def reset():
    _constructed.clear()
    _generate_calls.clear()
    _closed.clear()
