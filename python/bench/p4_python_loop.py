"""P4, Python side: the QwenVL generate loop written in plain Python against THE SAME vLLM object.

Imported inside the benchmark JVM's embedded interpreter (P4Bench). Java started the engine
through QwenVL (``qwenvl_bridge.engine`` keeps it in ``_engines`` under the id Java holds) and
prepared the windows (``qwenvl_bridge.handles`` keeps the float32 arrays under the ids Java
holds). :func:`setup` takes the engine id, the handle ids and the exact prompts, processor
arguments and sampling arguments the Java side sends, and resolves them once: what a Python
program holding an ``LLM`` and its arrays would start from. :func:`run` then captions every window
the way a Python program would: chunks of ``batch_size``, one ``SamplingParams`` and one
``llm.generate(..., use_tqdm=False)`` per chunk, each video as ``(frames, metadata)`` (vLLM >= 0.11
requires metadata for Qwen-VL videos: the same dict the bridge sends), timed with
``time.perf_counter`` inside Python, so no Java and no bridge is on the measured path.
"""

import time

_state = {}


def _metadata(frames, fps):
    # The same metadata the library sends (what a careful Python user would send too).
    from qwenvl_bridge.engine import video_metadata

    return video_metadata(frames, fps)


def setup(engine_id, prompts, handle_ids, processor_kwargs, sampling_kwargs, batch_size):
    """Resolves the engine and the prepared arrays once; returns the number of inputs."""
    from qwenvl_bridge import engine, handles

    if not (len(prompts) == len(handle_ids) == len(processor_kwargs)):
        raise ValueError("prompts, handles and processor kwargs differ in length")
    _state.clear()
    _state.update(
        llm=engine._engines[int(engine_id)],
        prompts=[str(p) for p in prompts],
        videos=[handles.get(int(h)) for h in handle_ids],
        processor_kwargs=[dict(k) for k in processor_kwargs],
        sampling_kwargs=dict(sampling_kwargs),
        batch_size=int(batch_size),
    )
    return len(_state["prompts"])


def _caption_all():
    import vllm

    llm = _state["llm"]
    prompts, videos, kwargs = _state["prompts"], _state["videos"], _state["processor_kwargs"]
    sampling_kwargs, batch = _state["sampling_kwargs"], _state["batch_size"]
    captions = []
    for start in range(0, len(prompts), batch):
        params = vllm.SamplingParams(**sampling_kwargs)
        inputs = []
        for prompt, frames, kw in zip(prompts[start:start + batch], videos[start:start + batch],
                                      kwargs[start:start + batch]):
            kw = dict(kw)
            inputs.append({
                "prompt": prompt,
                "multi_modal_data": {"video": (frames, _metadata(frames, kw.get("fps", 2.0)))},
                "mm_processor_kwargs": kw,
            })
        outputs = llm.generate(inputs, sampling_params=params, use_tqdm=False)
        captions.extend(out.outputs[0].text for out in outputs)
    return captions


def run():
    """One round: captions every input once. Returns [seconds, captions]."""
    start = time.perf_counter()
    captions = _caption_all()
    seconds = time.perf_counter() - start
    return [seconds, captions]


def clear():
    """Forgets the engine and arrays (the Java side releases and closes them)."""
    _state.clear()


def only_engine_id():
    """The id of the one open engine (the one QwenVL started)."""
    from qwenvl_bridge import engine

    ids = list(engine._engines)
    if len(ids) != 1:
        raise RuntimeError(f"expected exactly one open engine, found {ids}")
    return ids[0]


def describe_inputs():
    """Shape and dtype of the prepared arrays, e.g. '32 x (16, 252, 392, 3) float32'."""
    videos = _state["videos"]
    shapes = sorted({(tuple(v.shape), str(v.dtype)) for v in videos})
    return "; ".join(f"{sum(1 for v in videos if (tuple(v.shape), str(v.dtype)) == s)} x {s[0]} {s[1]}" for s in shapes)


def versions():
    import torch
    import vllm

    return {"vllm": vllm.__version__, "torch": torch.__version__}
