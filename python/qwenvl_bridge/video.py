"""Video decoding and Qwen-VL frame sizing with PyAV and numpy.

Contracts shared with the Java half (package ``dev.qwenvl.video``):

* Java plans windows from :func:`probe`'s ``frame_count`` and ``fps`` and sends, per window, the
  source frame indices to keep; :func:`decode_windows` decodes the container once and returns one
  array per window.
* Source frame index ``i`` is the ``i``-th frame the decoder outputs (presentation order), counting
  from 0.
* Every failure caused by the input raises :class:`VideoError`, whose ``reason`` equals a
  ``VideoInputException.Reason`` name in Java.

Decisions:

* **Frame count.** A header's frame count may be missing (Matroska, WebM) or wrong, so
  :func:`probe` counts the video packets while demuxing (no decoding: fast), or decodes every frame
  with ``decode=True`` (slower, exact).
* **Corrupt stream.** A container that is recognised but cannot be opened, a decoder error before
  the last requested frame, a header that claims more frames than the stream holds (fewer than
  99 % of them present) or a stream without a single frame all raise ``CORRUPT_STREAM``. We reject
  rather than caption part of a video, so a caption always describes the whole window asked for.
  The one tolerance: when the decoder ends within 1 % of the last requested index (a packet count
  can exceed the decoded frames by a hidden or discarded frame), the missing frames repeat the
  last decoded one and a warning is logged.
* **Variable frame rate.** ``fps`` is the *average* rate measured from presentation timestamps
  (frames / (last pts + its duration - first pts)), not the nominal rate in the header, which is
  wrong for variable-rate video. Frames are picked by index, so samples are evenly spaced in
  frames and approximately in time.
* **Rotation.** FFmpeg's display matrix (read from the first decoded frame, falling back to the
  legacy ``rotate`` stream tag) is applied to the returned frames, so frames come out upright;
  ``probe`` reports the size after rotation. Mirroring in the display matrix is not applied.
* **Resizing.** PyAV's ``VideoFrame.reformat`` (FFmpeg swscale, bicubic). Qwen's own processor
  resizes with bicubic interpolation; swscale runs in C, needs no extra package (no Pillow or
  torch in the embedded interpreter) and is already loaded for decoding. The sizes (factor, pixel
  bounds, window budget) come from the model family (``family.py``); frames stay uint8 and vLLM
  rescales and normalises them, exactly once.

The work is split by job in :mod:`qwenvl_bridge.videoio` (opening, probing, resizing, sampling);
this module is its public face, the names Java's adapter (through ``inputs``) and the tests use.
"""

from __future__ import annotations

from .videoio.container import MAX_ASPECT_RATIO, Source, display_name
from .videoio.errors import REASONS, VideoError
from .videoio.probing import MIN_PRESENT_SHARE, probe
from .videoio.resizing import resize_frames, smart_resize, window_size
from .videoio.sampling import decode_windows, select_windows

__all__ = [
    "VideoError",
    "REASONS",
    "MAX_ASPECT_RATIO",
    "MIN_PRESENT_SHARE",
    "Source",
    "display_name",
    "probe",
    "decode_windows",
    "select_windows",
    "resize_frames",
    "smart_resize",
    "window_size",
]
