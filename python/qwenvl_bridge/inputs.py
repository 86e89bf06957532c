"""Video inputs for Java: probe a source, prepare its windows as handles, release them.

Each function takes one source and answers with plain values. A problem with the input itself
raises ``video.VideoError`` (a :class:`~qwenvl_bridge.errors.BridgeError` with a reason), which
Java turns into a ``VideoInputException`` for that video and goes on with the others; anything
else (a bug, no memory) raises as a plain Python exception.

Sources: ``kind`` is ``"path"`` (a file path), ``"bytes"`` (a whole container in memory, given as
a uint8 array over a Java buffer) or ``"frames"`` (a uint8 (T, H, W, 3) array over Java's direct
buffer: no copy).

Decode lanes: :func:`start_probe` and :func:`start_prepare` run :func:`probe` and
:func:`prepare` on a lane thread of their own (:mod:`qwenvl_bridge.lanes`) and return a ticket at
once; Java collects the answer with :func:`finished` (``None`` while the work runs) or drops it
with :func:`cancel`. FFmpeg decodes and swscale resizes without the GIL, so K lanes decode K
videos at once while the interpreter thread stays free. Frames from Java (``"frames"``) are
selected on the calling thread: a view of Java's buffer never goes to another thread.
"""

import logging

import numpy as np

from . import family as family_mod
from . import handles, lanes, video

log = logging.getLogger(__name__)


def _source(kind, source):
    if kind == "path":
        return str(source)
    if kind == "bytes":
        return np.asarray(source, dtype=np.uint8).tobytes()
    if kind in ("frames", "data"):  # "data": a container already copied out of Java's buffer
        return source
    raise ValueError(f"unknown source kind {kind!r}: expected 'path', 'bytes' or 'frames'")


def probe(kind, source, name):
    """``video.probe`` as a dict; raises ``video.VideoError``."""
    if kind == "frames":
        raise ValueError("frames from Java need no probe: Java knows their shape and fps")
    return video.probe(_source(kind, source), name=name)


def prepare(kind, source, name, windows, model_preprocesses, family="qwen2.5", codec_threads=0, cancelled=None):
    """Decodes (or selects) each window's sampled frames, sized as the model setting says, and
    keeps them in the handle store.

    ``model_preprocesses`` False: frames are resized here for ``family`` (uint8; vLLM rescales and
    normalises). True: frames stay raw and each window carries the processor arguments (pixel
    bounds) that make vLLM's processor size them the same way.

    Returns ``{"handles": [id per window], "shapes": [[T, H, W, C] per window], "dtype": "uint8",
    "video_tokens": [tokens per window], "processor_kwargs": [dict per window]}``; raises
    ``video.VideoError``. ``video_tokens`` is what the window costs in the prompt
    (Java refuses windows that would not fit the model's context).

    ``codec_threads``: FFmpeg's own decoding threads (0: FFmpeg's choice); ``cancelled``: an
    event that stops the decode at the next frame (raises ``lanes.Cancelled``).
    """
    fam = family_mod.get(family)
    preprocess = bool(model_preprocesses)
    windows = [[int(i) for i in w] for w in windows]
    if kind == "frames":
        arrays = video.select_windows(source, windows, preprocess, name=name, family=fam)
    else:
        arrays = video.decode_windows(_source(kind, source), windows, preprocess, name=name, family=fam,
                                      threads=int(codec_threads), cancelled=cancelled)
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


def start_probe(kind, source, name):
    """:func:`probe` on a decode lane: a ticket for :func:`finished` (answer: ``probe``'s dict)."""
    if kind == "frames":
        raise ValueError("frames from Java need no probe: Java knows their shape and fps")
    data = _source(kind, source)  # Java's buffer is read here, on the interpreter thread
    return lanes.start(lambda cancelled: video.probe(data, name=name))


def start_prepare(kind, source, name, windows, model_preprocesses, family="qwen2.5", codec_threads=0):
    """:func:`prepare` on a decode lane: a ticket for :func:`finished` (answer: ``prepare``'s dict).
    A cancelled ticket's windows are released when its decode ends."""
    if kind == "frames":
        raise ValueError("frames from Java are selected by prepare, on the interpreter thread (no copy)")
    data = _source(kind, source)  # Java's buffer is read here, on the interpreter thread
    windows = [[int(i) for i in w] for w in windows]
    preprocess, fam, threads = bool(model_preprocesses), str(family), int(codec_threads)

    def work(cancelled):
        return prepare(kind if kind == "path" else "data", data, name, windows, preprocess, fam, threads, cancelled)

    return lanes.start(work, discard=lambda answer: handles.release(answer["handles"]))


def finished(ticket):
    """The answer of a :func:`start_probe` or :func:`start_prepare` once its lane ended, ``None``
    while it runs; raises the lane's own error (``video.VideoError`` for a bad input)."""
    return lanes.finished(ticket)


def cancel(ticket):
    """Stops the lane of ``ticket`` at its next frame and drops what it prepared."""
    return lanes.cancel(ticket)


def frame_bytes(height, width, counts, model_preprocesses, family="qwen2.5"):
    """The bytes :func:`prepare` will hold for windows of ``counts`` sampled frames of a video whose
    upright frames are ``height`` x ``width`` (``probe``'s size): exact, so Java can count them
    against its frame budget before the decode starts."""
    fam = family_mod.get(family)
    total = 0
    for count in counts:
        count = int(count)
        h, w = (int(height), int(width)) if model_preprocesses else video.window_size(count, int(height), int(width), fam)
        total += count * h * w * 3
    return total


def release(ids):
    """Drops prepared windows; unknown ids are ignored. Returns how many were dropped."""
    return handles.release([int(i) for i in ids])


def held():
    """How many prepared windows the store holds (leak checks)."""
    return handles.count()


def held_bytes():
    """Bytes of the prepared windows the store holds (frame budget checks)."""
    return handles.nbytes()


def lanes_busy():
    """Decode lanes not yet collected or cancelled, and lane threads alive (leak checks)."""
    return {"pending": lanes.pending(), "threads": lanes.running_threads()}
