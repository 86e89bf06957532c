"""Small JPEG thumbnails of the frames a window's caption was made from, for the review page.

Java sends, per window, the source frame indices the model saw (``VideoWindow.sampledFrameIndices``
from the same window plan as captioning). :func:`window_thumbnails` keeps ``count`` of them, evenly
spread with both ends included, decodes them through the captioning decoder
(:func:`video.decode_windows`: same container opening, frame numbering, rotation and error
reasons) and scales each one down with FFmpeg's swscale (area filter: good for shrinking) so its
longer side is at most ``max_side`` pixels. Each picture is encoded as a baseline JPEG with PyAV's
``mjpeg`` encoder (no Pillow in the embedded interpreter) and answered as base64 text, which
crosses JEP as a plain string.

A problem with the input raises ``video.VideoError`` with its reason, as captioning does.
"""

from __future__ import annotations

import base64
from fractions import Fraction

import av
import numpy as np

from . import inputs, video

#: JPEG quantiser scale (2 best .. 31 worst), held fixed through the encoder's qmin/qmax: 6 keeps a
#: 128-pixel thumbnail readable at about half the bytes of the encoder's default (measured 1.8 KB
#: instead of 3.3 KB on a textured 640x360 frame).
JPEG_QUANTISER = 6

def pick_evenly(indices, count):
    """``count`` entries of ``indices`` evenly spaced, first and last included (all of them when
    ``count`` is at least their number)."""
    indices = [int(i) for i in indices]
    if count <= 0:
        raise ValueError(f"count must be positive, got {count}")
    n = len(indices)
    if count >= n:
        return indices
    if count == 1:
        return [indices[0]]
    step = (n - 1) / (count - 1)
    return [indices[int(round(i * step))] for i in range(count)]


def thumb_size(height, width, max_side):
    """(height, width) scaled so the longer side is at most ``max_side``, both even and >= 2."""
    scale = min(1.0, max_side / max(height, width))
    return max(2, int(round(height * scale / 2)) * 2), max(2, int(round(width * scale / 2)) * 2)


def encode_jpeg(rgb, max_side):
    """One (H, W, 3) uint8 RGB frame as JPEG bytes, scaled down to at most ``max_side``."""
    h, w = thumb_size(rgb.shape[0], rgb.shape[1], max_side)
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    small = frame.reformat(width=w, height=h, format="yuvj420p", interpolation="AREA")
    ctx = av.CodecContext.create("mjpeg", "w")
    ctx.width, ctx.height = w, h
    ctx.pix_fmt = "yuvj420p"
    ctx.time_base = Fraction(1, 1)
    ctx.qmin = ctx.qmax = JPEG_QUANTISER
    packets = list(ctx.encode(small)) + list(ctx.encode(None))
    return b"".join(bytes(p) for p in packets)


def window_thumbnails(kind, source, name, windows, count, max_side=128):
    """Per window, ``count`` base64 JPEG thumbnails of its sampled frames.

    Args:
        kind, source, name: as :func:`inputs.prepare` (``"path"``, ``"bytes"`` or ``"frames"``).
        windows: per window, the source frame indices the model saw.
        count: thumbnails per window (fewer when a window sampled fewer frames).
        max_side: longest side of a thumbnail in pixels.

    Returns:
        a list per window of base64 strings (standard alphabet), in frame order.

    Raises:
        video.VideoError: the input cannot be used (missing file, corrupt stream, ...).
    """
    count, max_side = int(count), int(max_side)
    if max_side < 16:
        raise ValueError(f"max_side must be at least 16 pixels, got {max_side}")
    picked = [pick_evenly(w, count) for w in windows]
    if kind == "frames":
        arrays = video.select_windows(source, picked, True, name=name)
    else:
        arrays = video.decode_windows(inputs._source(kind, source), picked, True, name=name)
    return [[base64.b64encode(encode_jpeg(f, max_side)).decode("ascii") for f in a] for a in arrays]
