"""The vision-input oracle: what reaches the vision encoder inside the real vLLM, against Qwen's
reference pipeline on the same raw frames.

* :func:`write_clip` writes a lossless clip (FFV1 in AVI: exact RGB, exact frame timestamps, any
  frame size), so the library and the reference start from the same uint8 frames.
* :func:`install_probe` hooks the loaded model (the engine must run in-process,
  ``VLLM_ENABLE_V1_MULTIPROCESSING=0``): every video that reaches the vision tower leaves a record
  of the tensor entering the patch embedding (the output of vLLM's input normalisation) (after vLLM's rescale/normalise, whether that ran in
  the processor or on the device), its ``video_grid_thw`` and ``second_per_grid_ts``.
* :func:`compare` builds the reference for a window and measures the last record against it.

The reference is Qwen's own pipeline: frames sampled with NeMo Curator's frame-count rule
(``smart_nframes``: nearest multiple of 2) at evenly spaced indices rounded as torch rounds them,
resized by qwen-vl-utils' ``fetch_video`` (its pixel budget, its ``smart_resize``, torchvision's
antialiased bicubic), then transformers' processor of the checkpoint with the sampled rate as the
video metadata's fps.
"""

from __future__ import annotations

import logging
import math
from fractions import Fraction

import numpy as np

log = logging.getLogger("qwenvl_e2e.oracle")

#: every video the vision tower saw since the probe was installed, oldest first
_records = []

#: Curator HEAD's sampling constants (nemo_curator/utils/windowing_utils.py)
FRAME_FACTOR = 2
FPS_MIN_FRAMES = 4
FPS_MAX_FRAMES = 768


# ---------------------------------------------------------------------------------------------
# Clips


def frame(i: int, width: int, height: int) -> np.ndarray:
    """Source frame ``i``: smooth colour gradients, a moving bright square and thin stripes, so
    that resizing has edges and texture to get wrong, without being noise (which no two
    resampling filters agree on)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = x / width, y / height
    r = 128 + 90 * np.sin(2 * np.pi * (1.3 * u + 0.05 * i))
    g = 128 + 90 * np.cos(2 * np.pi * (0.9 * v - 0.03 * i))
    b = 60 + 150 * u * v
    rgb = np.stack([r, g, b], axis=-1)
    side = max(4, min(width, height) // 6)
    x0 = int((0.1 + 0.7 * ((i * 0.037) % 1.0)) * (width - side))
    y0 = int(0.4 * (height - side))
    rgb[y0:y0 + side, x0:x0 + side] = (240, 235, 20)
    stripes = (np.floor(x / max(2, width // 40)) % 2) * 40
    rgb[: height // 8] += stripes[: height // 8, :, None]
    return np.clip(rgb, 0, 255).astype(np.uint8)


def write_clip(path: str, width: int, height: int, frames: int, fps: float) -> str:
    """Writes ``frames`` frames of :func:`frame` at ``fps`` as FFV1 (lossless RGB) in AVI."""
    import av

    rate = Fraction(fps).limit_denominator(1001)
    with av.open(path, "w", format="avi") as container:
        stream = container.add_stream("ffv1", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "bgr0"
        stream.codec_context.time_base = 1 / rate
        for i in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame(i, width, height), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def decode_all(path: str) -> np.ndarray:
    """Every frame of ``path`` as uint8 RGB (T, H, W, 3), decoded with PyAV."""
    import av

    with av.open(path) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])])


# ---------------------------------------------------------------------------------------------
# The probe inside vLLM


def _engine():
    from qwenvl_bridge import engines

    open_llms = engines.open_llms()
    if len(open_llms) != 1:
        raise RuntimeError(f"the oracle needs exactly one open engine, found {len(open_llms)}")
    return open_llms[0]


def _install(model):
    """Runs inside the worker: wraps the video path of the model and hooks the patch embedding."""
    import torch

    visual = model.visual
    pending = {}

    def after_input_norm(_module, _args, output):
        if "grid" in pending:
            record = dict(pending)
            pending.clear()
            record["pixels"] = output.detach().to(torch.float32).cpu().numpy().copy()
            _records.append(record)

    original = model._process_video_input

    def process_video_input(video_input, *a, **k):
        grid = video_input["video_grid_thw"]
        seconds = video_input.get("second_per_grid_ts") if hasattr(video_input, "get") else None
        pending["grid"] = [[int(v) for v in row] for row in grid.tolist()]
        pending["second_per_grid_ts"] = None if seconds is None else [float(s) for s in seconds.reshape(-1).tolist()]
        pending["second_per_grid_ts_dtype"] = None if seconds is None else str(seconds.dtype).replace("torch.", "")
        pending["input_dtype"] = str(video_input["pixel_values_videos"].dtype)
        return original(video_input, *a, **k)

    model._process_video_input = process_video_input
    # The patch embedding is a torch.compile unit whose __call__ skips module hooks; the input
    # normalisation right before it (identity when the processor already normalised) is not.
    visual.input_norm.register_forward_hook(after_input_norm)
    return type(model).__name__


def install_probe():
    """Hooks the one open engine's model; returns the model class name."""
    names = _engine().apply_model(_install)
    log.info("oracle probe installed on %s", names)
    return names[0]


def records():
    return len(_records)


def device_normalize():
    """Whether the running engine normalises pixels on the device (vLLM >= 0.32)."""
    llm = _engine()
    mm = llm.llm_engine.model_config.multimodal_config
    return bool(getattr(mm, "mm_device_do_normalize", False))


# ---------------------------------------------------------------------------------------------
# The reference


def curator_nframes(total_frames: int, video_fps: float, fps: float = 2.0) -> int:
    """NeMo Curator HEAD's ``smart_nframes`` (nemo_curator/utils/windowing_utils.py): seconds times
    rate, clamped to [4, min(768, total) floored to even], rounded to the nearest multiple of 2
    (Python's round: half to even)."""
    min_frames = math.ceil(FPS_MIN_FRAMES / FRAME_FACTOR) * FRAME_FACTOR
    max_frames = math.floor(min(FPS_MAX_FRAMES, total_frames) / FRAME_FACTOR) * FRAME_FACTOR
    nframes = total_frames / video_fps * fps
    nframes = min(max(nframes, min_frames), max_frames)
    return round(nframes / FRAME_FACTOR) * FRAME_FACTOR


def reference(path, first, last, video_fps, model_path, patch_size, total_pixels, sampling_fps=2.0):
    """Qwen's pipeline on the window ``first..last`` of ``path``: a dict with ``indices``,
    ``sample_fps``, ``pixels`` (flattened patches, normalised), ``grid`` and ``second_per_grid_ts``."""
    import torch
    from qwen_vl_utils import vision_process
    from transformers import AutoProcessor

    frames = decode_all(path)[first:last + 1]
    total = frames.shape[0]
    nframes = curator_nframes(total, video_fps, sampling_fps)
    idx = torch.linspace(0, total - 1, nframes).round().long()
    sample_fps = nframes / total * video_fps
    video = torch.from_numpy(frames[idx.numpy()]).permute(0, 3, 1, 2).contiguous()

    def reader(_ele):
        return video, {"fps": video_fps, "frames_indices": idx.tolist(), "total_num_frames": total}, sample_fps

    vision_process.VIDEO_READER_BACKENDS["qwenvl-oracle"] = reader
    saved = vision_process.get_video_reader_backend
    vision_process.get_video_reader_backend = lambda: "qwenvl-oracle"
    try:
        resized, fetched_fps = vision_process.fetch_video(
            {"video": path, "total_pixels": total_pixels}, image_patch_size=patch_size, return_video_sample_fps=True)
    finally:
        vision_process.get_video_reader_backend = saved
    processor = AutoProcessor.from_pretrained(model_path)
    metadata = {"fps": fetched_fps, "frames_indices": list(range(nframes)), "total_num_frames": nframes,
                "duration": nframes / fetched_fps}
    text = processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": "x"}]}],
        tokenize=False, add_generation_prompt=True)
    out = processor(text=[text], videos=[resized], video_metadata=[metadata], do_resize=False,
                    do_sample_frames=False, return_tensors="pt")
    seconds = out.get("second_per_grid_ts")
    return {
        "indices": [first + int(i) for i in idx.tolist()],
        "sample_fps": float(fetched_fps),
        "pixels": out["pixel_values_videos"].to(torch.float32).numpy(),
        "grid": [[int(v) for v in row] for row in out["video_grid_thw"].tolist()],
        "second_per_grid_ts": None if seconds is None else [float(s) for s in torch.as_tensor(seconds).reshape(-1).tolist()],
    }


def _same_seconds(got, ref):
    """``second_per_grid_ts`` identical once the reference is cast to the dtype vLLM keeps it in
    (the model's dtype: bf16 for the tiny models)."""
    import torch

    if got["second_per_grid_ts"] is None or ref["second_per_grid_ts"] is None:
        return got["second_per_grid_ts"] is None and ref["second_per_grid_ts"] is None
    dtype = getattr(torch, got["second_per_grid_ts_dtype"])
    cast = torch.tensor(ref["second_per_grid_ts"], dtype=torch.float64).to(dtype).to(torch.float64).tolist()
    return cast == got["second_per_grid_ts"]


def compare(path, first, last, video_fps, model_path, patch_size, total_pixels, library_indices):
    """The last probe record against :func:`reference`; plain numbers for Java to assert on."""
    if not _records:
        raise RuntimeError("the probe saw no video: was install_probe() called before generating?")
    got = _records[-1]
    ref = reference(path, int(first), int(last), float(video_fps), model_path, int(patch_size), int(total_pixels))
    result = {
        "second_per_grid_ts_match": _same_seconds(got, ref),
        "grid": got["grid"],
        "reference_grid": ref["grid"],
        "second_per_grid_ts": got["second_per_grid_ts"],
        "reference_second_per_grid_ts": ref["second_per_grid_ts"],
        "indices_match": [int(i) for i in library_indices] == ref["indices"],
        "reference_indices": ref["indices"],
        "input_dtype": got["input_dtype"],
        "spread": float(got["pixels"].std()),
        "reference_spread": float(ref["pixels"].std()),
    }
    if got["pixels"].shape == ref["pixels"].shape:
        diff = np.abs(got["pixels"] - ref["pixels"])
        result["mean_abs_diff"] = float(diff.mean())
        result["p99_abs_diff"] = float(np.quantile(diff, 0.99))
    else:
        result["mean_abs_diff"] = None
        result["shape"] = list(got["pixels"].shape)
        result["reference_shape"] = list(ref["pixels"].shape)
    log.info("oracle %s window %d-%d: %s", path, first, last, result)
    return result
