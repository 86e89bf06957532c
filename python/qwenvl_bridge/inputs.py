"""Video inputs for Java: probe a source, prepare its windows as handles, release them.

Each function takes one source and answers with plain values. A problem with the input itself
raises ``video.VideoError`` (a :class:`~qwenvl_bridge.errors.BridgeError` with a reason), which
Java turns into a ``VideoInputException`` for that video and goes on with the others; anything
else (a bug, no memory) raises as a plain Python exception.

Sources: ``kind`` is ``"path"`` (a file path), ``"bytes"`` (a whole container in memory, given as
a uint8 array over a Java buffer) or ``"frames"`` (a uint8 (T, H, W, 3) array over Java's direct
buffer: no copy).
"""

import logging

import numpy as np

from . import family as family_mod
from . import handles, video

log = logging.getLogger(__name__)


def _source(kind, source):
    if kind == "path":
        return str(source)
    if kind == "bytes":
        return np.asarray(source, dtype=np.uint8).tobytes()
    if kind == "frames":
        return source
    raise ValueError(f"unknown source kind {kind!r}: expected 'path', 'bytes' or 'frames'")


def probe(kind, source, name):
    """``video.probe`` as a dict; raises ``video.VideoError``."""
    if kind == "frames":
        raise ValueError("frames from Java need no probe: Java knows their shape and fps")
    return video.probe(_source(kind, source), name=name)


def prepare(kind, source, name, windows, model_preprocesses, family="qwen2.5"):
    """Decodes (or selects) each window's sampled frames, sized as the model setting says, and
    keeps them in the handle store.

    ``model_preprocesses`` False: frames are resized here for ``family`` (uint8; vLLM rescales and
    normalises). True: frames stay raw and each window carries the processor arguments (pixel
    bounds) that make vLLM's processor size them the same way.

    Returns ``{"handles": [id per window], "shapes": [[T, H, W, C] per window], "dtype": "uint8",
    "video_tokens": [tokens per window], "processor_kwargs": [dict per window]}``; raises
    ``video.VideoError``. ``video_tokens`` is what the window costs in the prompt
    (Java refuses windows that would not fit the model's context).
    """
    fam = family_mod.get(family)
    preprocess = bool(model_preprocesses)
    windows = [[int(i) for i in w] for w in windows]
    if kind == "frames":
        arrays = video.select_windows(source, windows, preprocess, name=name, family=fam)
    else:
        arrays = video.decode_windows(_source(kind, source), windows, preprocess, name=name, family=fam)
    tokens, kwargs = [], []
    for a in arrays:
        count, height, width = (int(x) for x in a.shape[:3])
        if preprocess:
            height, width = video.window_size(count, height, width, fam)
            kwargs.append(fam.processor_bounds(count))
        else:
            kwargs.append({})
        tokens.append(fam.video_tokens(count, height, width))
    ids = [handles.put(a) for a in arrays]
    return {"handles": ids, "shapes": [list(a.shape) for a in arrays], "dtype": str(arrays[0].dtype),
            "video_tokens": tokens, "processor_kwargs": kwargs}


def release(ids):
    """Drops prepared windows; unknown ids are ignored. Returns how many were dropped."""
    return handles.release([int(i) for i in ids])


def held():
    """How many prepared windows the store holds (leak checks)."""
    return handles.count()
