"""Video inputs for Java: probe a source, prepare its windows as handles, release them.

Each function takes one source and answers with plain values. A problem with the input itself
(``video.VideoError``) is returned as ``{"error": reason, "detail": ...}`` rather than raised, so
Java can report it for that video and go on with the others; anything else (a bug, no memory)
raises as usual.

Sources: ``kind`` is ``"path"`` (a file path), ``"bytes"`` (a whole container in memory, given as
a uint8 array over a Java buffer) or ``"frames"`` (a uint8 (T, H, W, 3) array over Java's direct
buffer: no copy).
"""

import logging

import numpy as np

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


def _error(error):
    return {"error": error.reason, "detail": error.detail}


def probe(kind, source, name):
    """``video.probe`` as a dict, or ``{"error": reason, "detail": ...}``."""
    if kind == "frames":
        raise ValueError("frames from Java need no probe: Java knows their shape and fps")
    try:
        return video.probe(_source(kind, source), name=name)
    except video.VideoError as error:
        return _error(error)


def prepare(kind, source, name, windows, model_preprocesses):
    """Decodes (or selects) each window's sampled frames, preprocessed as the model setting says,
    and keeps them in the handle store.

    Returns ``{"handles": [id per window], "shapes": [[T, H, W, C] per window],
    "dtype": "uint8" | "float32"}`` or ``{"error": reason, "detail": ...}``.
    """
    windows = [[int(i) for i in w] for w in windows]
    try:
        if kind == "frames":
            arrays = video.select_windows(source, windows, bool(model_preprocesses), name=name)
        else:
            arrays = video.decode_windows(_source(kind, source), windows, bool(model_preprocesses), name=name)
    except video.VideoError as error:
        return _error(error)
    ids = [handles.put(a) for a in arrays]
    return {"handles": ids, "shapes": [list(a.shape) for a in arrays], "dtype": str(arrays[0].dtype)}


def release(ids):
    """Drops prepared windows; unknown ids are ignored. Returns how many were dropped."""
    return handles.release([int(i) for i in ids])


def held():
    """How many prepared windows the store holds (leak checks)."""
    return handles.count()
