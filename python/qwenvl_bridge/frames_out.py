"""Reads frames held in the handle store back into memory that Java owns.

An engine that needs the pixels on the Java side (the OpenAI-compatible HTTP engine encodes them
as JPEG) asks for a held window's shape and element type with :func:`describe`, allocates a direct
buffer of that size and passes it here as an ndarray view; :func:`copy_into` copies the frames into
it. One copy, no Python bytes object in between. The frames stay held (the decoder releases them).
"""

import numpy as np

from . import handles

__all__ = ["describe", "copy_into"]

_DTYPES = {"uint8": np.uint8, "float32": np.float32}


def _frames(handle):
    frames = handles.get(int(handle))
    if not isinstance(frames, np.ndarray) or frames.ndim != 4:
        raise ValueError(f"handle {handle} holds no (T, H, W, C) frame array")
    if str(frames.dtype) not in _DTYPES:
        raise ValueError(f"frames under handle {handle} are {frames.dtype}; only uint8 and float32 cross to Java")
    return frames


def describe(handle):
    """``{"shape": [T, H, W, C], "dtype": name}`` of the frames held under ``handle``."""
    frames = _frames(handle)
    return {"shape": [int(d) for d in frames.shape], "dtype": str(frames.dtype)}


def copy_into(handle, target):
    """Copies the frames under ``handle`` into ``target`` (an ndarray over Java's buffer, same
    shape and dtype). Returns the number of bytes copied."""
    frames = _frames(handle)
    target = np.asarray(target)
    if tuple(target.shape) != tuple(frames.shape) or target.dtype != frames.dtype:
        raise ValueError(
            f"target {target.dtype}{list(target.shape)} does not fit frames {frames.dtype}{list(frames.shape)} "
            f"under handle {handle}"
        )
    np.copyto(target, frames)
    return int(frames.nbytes)
