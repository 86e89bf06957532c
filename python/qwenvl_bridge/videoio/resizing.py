"""Resizing: the size a window's frames reach the vision encoder at (the model family's factor,
pixel bounds and window budget) and swscale bicubic resizing to it."""

from __future__ import annotations

import math
from typing import Union

import av
import numpy as np

from .. import family as family_mod
from .container import MAX_ASPECT_RATIO, check_aspect
from .errors import VideoError


def smart_resize(height: int, width: int, factor: int, min_pixels: float, max_pixels: float) -> tuple[int, int]:
    """Qwen's frame size for a ``height`` x ``width`` frame (qwen-vl-utils' ``smart_resize``):
    returns (height, width).

    Each side is rounded to the nearest multiple of ``factor`` (ties to even, Python's ``round``;
    at least ``factor``). If the area then exceeds ``max_pixels`` both sides are scaled by
    ``sqrt(h*w / max_pixels)`` and rounded down to multiples of ``factor``; if it is below
    ``min_pixels`` they are scaled up by ``sqrt(min_pixels / (h*w))`` and rounded up. Aspect
    ratio is kept up to the rounding.

    Raises:
        ValueError: a side is not positive, or the aspect ratio is over 200.
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"frame size must be positive, got {width}x{height}")
    if max(height, width) / min(height, width) > MAX_ASPECT_RATIO:
        raise ValueError(
            f"aspect ratio of {width}x{height} is over {MAX_ASPECT_RATIO:.0f}; crop or pad the frames"
        )
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def window_size(frames: int, height: int, width: int, family: Union[str, family_mod.Family]) -> tuple[int, int]:
    """The size every frame of a window of ``frames`` source frames of ``height`` x ``width``
    reaches the vision encoder at: the family's factor, per-frame bounds and window budget."""
    fam = family_mod.get(family) if isinstance(family, str) else family
    return smart_resize(height, width, fam.factor, fam.min_pixels, fam.frame_max_pixels(frames))


def resize_frames(
    frames: np.ndarray,
    family: Union[str, family_mod.Family] = "qwen2.5",
    *,
    source: str = "frames",
) -> np.ndarray:
    """Resizes one window's frames to the size the family's vision encoder takes, as our pipeline
    does when the model does not preprocess (``model_does_preprocess = False``).

    Only resizing happens here: the frames stay uint8 RGB and vLLM rescales and normalises them
    (in the processor, or on the device with ``mm_device_do_normalize``), so nothing normalises
    twice whatever the installed vLLM does. vLLM is told not to resize again (``do_resize=False``).

    Args:
        frames: uint8 RGB, shape (T, H, W, 3); not modified.
        family: a family key (``qwen2.5``, ``qwen3``) or :class:`family.Family`.
        source: display name for errors.

    Returns:
        uint8 array (T, H', W', 3), (H', W') = :func:`window_size`; resized with FFmpeg swscale's
        bicubic filter (``VideoFrame.reformat``); the input itself when it already has that size.

    Raises:
        VideoError: BAD_SHAPE (not a uint8 (T, H, W, C) array), UNSUPPORTED_CHANNELS (C != 3),
            EXTREME_ASPECT_RATIO.
    """
    check_frames(frames, source)
    count, height, width, _ = frames.shape
    check_aspect(height, width, source)
    th, tw = window_size(count, height, width, family)
    if (th, tw) == (height, width):
        return frames
    out = np.empty((count, th, tw, 3), dtype=np.uint8)
    for i in range(count):
        out[i] = _resize_rgb(frames[i], th, tw)
    return out


def check_frames(frames, source: str) -> None:
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4:
        what = (f"{frames.dtype} array of shape {frames.shape}" if isinstance(frames, np.ndarray)
                else type(frames).__name__)
        raise VideoError(VideoError.BAD_SHAPE, source,
                         f"frames must be a uint8 array of shape (T, H, W, 3), got {what}")
    if min(frames.shape) == 0:
        raise VideoError(VideoError.BAD_SHAPE, source, f"frames shape {frames.shape} has an empty dimension")
    if frames.shape[3] != 3:
        raise VideoError(VideoError.UNSUPPORTED_CHANNELS, source,
                         f"unsupported channel count {frames.shape[3]}; frames must be RGB (C = 3)")


def _resize_rgb(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """One (H, W, 3) uint8 frame resized with swscale bicubic to (height, width, 3) uint8."""
    if rgb.shape[0] == height and rgb.shape[1] == width:
        return rgb
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return frame.reformat(width=width, height=height, format="rgb24", interpolation="BICUBIC").to_ndarray()
