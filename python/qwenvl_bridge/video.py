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
"""

from __future__ import annotations

import io
import logging
import math
import os
from fractions import Fraction
from typing import Iterable, Optional, Sequence, Union

import av
import numpy as np

from . import family as family_mod

logger = logging.getLogger(__name__)

__all__ = [
    "VideoError",
    "probe",
    "decode_windows",
    "select_windows",
    "resize_frames",
    "smart_resize",
    "window_size",
]

MAX_ASPECT_RATIO = 200.0

#: A header frame count is trusted as "present" when at least this share of frames is found.
MIN_PRESENT_SHARE = 0.99

Source = Union[str, os.PathLike, bytes, bytearray, memoryview]


class VideoError(ValueError):
    """A video input cannot be used.

    Attributes:
        reason: one of :data:`REASONS` (the names of Java's ``VideoInputException.Reason``).
        source: display name of the input (the path, or the name given with in-memory bytes).
        detail: what failed and how to fix it.
    """

    MISSING_FILE = "MISSING_FILE"
    UNREADABLE_FILE = "UNREADABLE_FILE"
    NOT_A_VIDEO = "NOT_A_VIDEO"
    CORRUPT_STREAM = "CORRUPT_STREAM"
    TOO_FEW_FRAMES = "TOO_FEW_FRAMES"
    BAD_SHAPE = "BAD_SHAPE"
    UNSUPPORTED_CHANNELS = "UNSUPPORTED_CHANNELS"
    EXTREME_ASPECT_RATIO = "EXTREME_ASPECT_RATIO"
    BAD_FPS = "BAD_FPS"
    EMPTY_DATA = "EMPTY_DATA"
    #: raised on the Java side (VideoCaptioner), from the token counts ``inputs.prepare`` returns
    WINDOW_TOO_LONG = "WINDOW_TOO_LONG"

    def __init__(self, reason: str, source: str, detail: str):
        super().__init__(f"video '{source}': {detail} [{reason}]")
        self.reason = reason
        self.source = source
        self.detail = detail


REASONS = frozenset(
    v for k, v in vars(VideoError).items() if k.isupper() and isinstance(v, str)
)


# ---------------------------------------------------------------------------------------------
# Opening a source


def display_name(source: Source, name: Optional[str] = None) -> str:
    """The name of ``source`` in errors: ``name`` if given, else the path, else a byte count."""
    if name:
        return name
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"in-memory video ({len(source)} bytes)"
    return os.fspath(source)


def _looks_like_container(head: bytes) -> bool:
    """True when ``head`` starts like MP4/MOV, Matroska/WebM or AVI (same rule as Java's sniffer)."""
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot")


def _head(source: Source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source[:16])
    with open(source, "rb") as f:
        return f.read(16)


def _open(source: Source, name: str) -> av.container.InputContainer:
    """Opens ``source`` for reading, turning every failure into a :class:`VideoError`."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise VideoError(VideoError.EMPTY_DATA, name, "video data is empty")
        target = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise VideoError(
                VideoError.MISSING_FILE, name,
                f"file does not exist (absolute path: {os.path.abspath(path)}); check the path",
            )
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            raise VideoError(
                VideoError.UNREADABLE_FILE, name,
                "is not a readable regular file; check the path and its permissions",
            )
        target = path
    else:
        raise TypeError(
            f"a video source is a path (str or os.PathLike) or bytes, got {type(source).__name__}"
        )
    try:
        return av.open(target, mode="r")
    except av.FFmpegError as e:
        if _looks_like_container(_head(source)):
            raise VideoError(
                VideoError.CORRUPT_STREAM, name,
                f"the container is damaged or truncated and cannot be opened ({e}); "
                "re-download or re-encode the file",
            ) from e
        raise VideoError(
            VideoError.NOT_A_VIDEO, name,
            f"is not a video in a format FFmpeg can read ({e}); pass an MP4, MOV, MKV, WebM or AVI file",
        ) from e


def _video_stream(container: av.container.InputContainer, name: str) -> av.video.stream.VideoStream:
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["none"]
        raise VideoError(
            VideoError.NOT_A_VIDEO, name,
            f"has no video stream (streams: {', '.join(kinds)}); pass a file that contains video",
        )
    return container.streams.video[0]


def _check_aspect(height: int, width: int, name: str) -> None:
    ratio = max(height, width) / min(height, width)
    if ratio > MAX_ASPECT_RATIO:
        raise VideoError(
            VideoError.EXTREME_ASPECT_RATIO, name,
            f"frame size {width}x{height} has aspect ratio {ratio:.1f}, over the limit of "
            f"{MAX_ASPECT_RATIO:.0f}; crop or pad the video",
        )


# ---------------------------------------------------------------------------------------------
# Rotation


def _rotation_clockwise(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> int:
    """Degrees (0, 90, 180 or 270) to turn ``frame`` clockwise so it displays upright.

    FFmpeg's ``VideoFrame.rotation`` is the display matrix's counter-clockwise angle; the legacy
    ``rotate`` stream tag is already clockwise.
    """
    ccw = frame.rotation
    if not ccw:
        tag = stream.metadata.get("rotate")
        if tag:
            try:
                ccw = -int(float(tag))
            except ValueError:
                logger.warning("ignoring unreadable rotate tag %r", tag)
                ccw = 0
    return int(round(-ccw / 90.0)) * 90 % 360


def _upright(rgb: np.ndarray, rotation_cw: int) -> np.ndarray:
    """``rgb`` (H, W, 3) turned clockwise by ``rotation_cw`` degrees (a view, no copy)."""
    if rotation_cw == 0:
        return rgb
    return np.rot90(rgb, k=-(rotation_cw // 90), axes=(0, 1))


def _displayed_size(height: int, width: int, rotation_cw: int) -> tuple[int, int]:
    return (width, height) if rotation_cw in (90, 270) else (height, width)


# ---------------------------------------------------------------------------------------------
# Probe


def probe(source: Source, *, name: Optional[str] = None, decode: bool = False) -> dict:
    """Describes a video without keeping any frame.

    Args:
        source: a path (str or os.PathLike) or a whole container in memory (bytes).
        name: display name for errors (default: the path, or "in-memory video (N bytes)").
        decode: count frames by decoding every one (exact, slower) instead of counting packets.

    Returns:
        dict with ``frame_count`` (frames the stream holds), ``fps`` (average, from timestamps),
        ``width`` and ``height`` (after rotation), ``rotation`` (degrees clockwise applied to make
        frames upright: 0, 90, 180 or 270) and ``duration`` (seconds, ``frame_count / fps``).

    Raises:
        VideoError: MISSING_FILE, UNREADABLE_FILE, EMPTY_DATA, NOT_A_VIDEO, CORRUPT_STREAM,
            EXTREME_ASPECT_RATIO.
    """
    label = display_name(source, name)
    with _open(source, label) as container:
        stream = _video_stream(container, label)
        first, count, span = _scan(container, stream, label, decode)
    if first is None or count == 0:
        raise VideoError(
            VideoError.CORRUPT_STREAM, label,
            "the video stream holds no decodable frame; re-encode the file",
        )
    declared = stream.frames or 0
    if declared and count < MIN_PRESENT_SHARE * declared:
        raise VideoError(
            VideoError.CORRUPT_STREAM, label,
            f"the header declares {declared} frames but only {count} are present; the file is "
            "truncated or damaged, re-download or re-encode it",
        )
    rotation = _rotation_clockwise(first, stream)
    height, width = _displayed_size(first.height, first.width, rotation)
    _check_aspect(height, width, label)
    fps = _average_fps(count, span, stream, label)
    result = {
        "frame_count": count,
        "fps": fps,
        "width": width,
        "height": height,
        "rotation": rotation,
        "duration": count / fps,
    }
    logger.debug("probed %s: %s", label, result)
    return result


def _scan(container, stream, label: str, decode_all: bool):
    """One pass over the video packets: returns (first frame, frame count, pts span in seconds).

    Decodes until the first frame (for size and rotation), then only counts packets unless
    ``decode_all``. The span covers first pts to last pts plus that frame's duration.
    """
    first = None
    count = 0
    lowest = highest = None
    highest_end = None
    time_base = stream.time_base or Fraction(1, 1)
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the flush packet at the end of the stream
                frames = stream.codec_context.decode(None) if (first is None or decode_all) else []
            else:
                if packet.is_discard:
                    continue
                frames = packet.decode() if (first is None or decode_all) else []
                if not decode_all:
                    count += 1
                _track = packet.pts if packet.pts is not None else packet.dts
                if _track is not None:
                    end = _track + (packet.duration or 0)
                    if lowest is None or _track < lowest:
                        lowest = _track
                    if highest is None or _track > highest:
                        highest, highest_end = _track, end
            for frame in frames:
                if first is None:
                    first = frame
                if decode_all:
                    count += 1
    except av.FFmpegError as e:
        raise VideoError(
            VideoError.CORRUPT_STREAM, label,
            f"reading the stream failed after {count} {'frames' if decode_all else 'packets'} ({e}); "
            "the file is truncated or "
            "damaged, re-download or re-encode it",
        ) from e
    span = None
    if lowest is not None and highest is not None:
        end = highest_end if highest_end and highest_end > highest else None
        if end is None and count > 1 and highest > lowest:
            end = highest + (highest - lowest) / (count - 1)  # last frame lasts one mean interval
        if end is not None and end > lowest:
            span = float((end - lowest) * time_base)
    return first, count, span


def _average_fps(count: int, span: Optional[float], stream, label: str) -> float:
    """Frames per second from the timestamp span, else the stream's nominal rate."""
    if span and span > 0:
        return count / span
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and float(rate) > 0:
            return float(rate)
    raise VideoError(
        VideoError.BAD_FPS, label,
        "the stream has neither timestamps nor a frame rate; re-encode it with a fixed frame rate",
    )


# ---------------------------------------------------------------------------------------------
# Resizing


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
    _check_frames(frames, source)
    count, height, width, _ = frames.shape
    _check_aspect(height, width, source)
    th, tw = window_size(count, height, width, family)
    if (th, tw) == (height, width):
        return frames
    out = np.empty((count, th, tw, 3), dtype=np.uint8)
    for i in range(count):
        out[i] = _resize_rgb(frames[i], th, tw)
    return out


def _check_frames(frames, source: str) -> None:
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


# ---------------------------------------------------------------------------------------------
# Decoding windows


def decode_windows(
    source: Source,
    windows: Sequence[Sequence[int]],
    preprocess: bool,
    *,
    name: Optional[str] = None,
    family: Union[str, family_mod.Family] = "qwen2.5",
) -> list[np.ndarray]:
    """Decodes the container once and returns the requested frames of each window.

    Args:
        source: a path or a whole container in memory (bytes).
        windows: per window, the source frame indices to keep (non-negative ints, in the order
            wanted in the output; usually Java's ``VideoWindow.sampledFrameIndices``).
        preprocess: **True when the model preprocesses** (QwenVL's ``model_does_preprocess``):
            frames are returned as uint8 (T, H, W, 3) at the source size. False: our pipeline
            preprocesses, and each window goes through :func:`resize_frames` (uint8, sized for
            the family's vision encoder).
        name: display name for errors.
        family: the model family whose sizes apply (see :func:`resize_frames`).

    Returns:
        one array per window, in the order of ``windows``; frames upright (rotation applied),
        RGB. Memory grows with the total number of requested frames: pass a long video's
        windows in groups if that matters.

    Raises:
        VideoError: as :func:`probe`, plus CORRUPT_STREAM when a decoder error occurs before the
            last requested frame, or requested indices run past the last decodable frame by more
            than 1 % of the frames (within 1 %, e.g. a packet count one above the decoded frames,
            the missing frames repeat the last decodable one and a warning is logged).
        ValueError: ``windows`` is empty or holds an empty window or a negative index.
    """
    label = display_name(source, name)
    wanted = _index_plan(windows)
    last_wanted = max(wanted)
    buffers: list[Optional[np.ndarray]] = [None] * len(windows)
    remaining = [len(w) for w in windows]
    results: list[Optional[np.ndarray]] = [None] * len(windows)
    size = rotation = None
    decoded = 0

    def finish(w: int) -> None:
        frames = buffers[w]
        buffers[w] = None
        results[w] = frames if preprocess else resize_frames(frames, family, source=label)

    def place(frame: av.VideoFrame, targets: list[tuple[int, int]]) -> None:
        if (frame.height, frame.width) != size:  # resolution changed mid-stream: keep the first
            frame = frame.reformat(width=size[1], height=size[0])
        rgb = _upright(frame.to_ndarray(format="rgb24"), rotation)
        for w, position in targets:
            if buffers[w] is None:
                buffers[w] = np.empty((len(windows[w]),) + rgb.shape, dtype=np.uint8)
            buffers[w][position] = rgb
            remaining[w] -= 1
            if remaining[w] == 0:
                finish(w)

    last_frame = None
    with _open(source, label) as container:
        stream = _video_stream(container, label)
        stream.thread_type = "AUTO"
        frames_iter = container.decode(stream)
        while decoded <= last_wanted:
            try:
                frame = next(frames_iter)
            except StopIteration:
                break
            except av.FFmpegError as e:
                raise VideoError(
                    VideoError.CORRUPT_STREAM, label,
                    f"decoding failed after {decoded} frames, before frame {last_wanted} that a "
                    f"window needs ({e}); the file is truncated or damaged, re-download or re-encode it",
                ) from e
            if size is None:
                rotation = _rotation_clockwise(frame, stream)
                size = (frame.height, frame.width)
                _check_aspect(*size, label)
            index = decoded
            decoded += 1
            last_frame = frame
            targets = wanted.get(index)
            if targets:
                place(frame, targets)
    if decoded <= last_wanted:
        if decoded == 0 or decoded < MIN_PRESENT_SHARE * (last_wanted + 1):
            raise VideoError(
                VideoError.CORRUPT_STREAM, label,
                f"a window asks for source frame {last_wanted} but the stream holds only {decoded} "
                "decodable frames; probe the video again (it may be truncated) and plan windows "
                "from its frame count",
            )
        # A packet count can exceed the decoded frames by a frame or two (hidden or discarded
        # frames): within 1 %, frames past the end repeat the last decoded frame.
        logger.warning(
            "%s: frames %d-%d requested but the stream ends after %d frames; repeating the last frame",
            label, decoded, last_wanted, decoded)
        for index in sorted(i for i in wanted if i >= decoded):
            place(last_frame, wanted[index])
    logger.debug("decoded %s: %d frames read, %d windows", label, decoded, len(windows))
    return results


def select_windows(
    frames: np.ndarray,
    windows: Sequence[Sequence[int]],
    preprocess: bool,
    *,
    name: str = "frames",
    family: Union[str, family_mod.Family] = "qwen2.5",
) -> list[np.ndarray]:
    """:func:`decode_windows` for frames already in memory (Java's ``JavaFrames``).

    Args:
        frames: uint8 RGB (T, H, W, 3), e.g. a numpy view of Java's direct buffer; not modified.
        windows, preprocess, family: as :func:`decode_windows` (``preprocess`` True: the model preprocesses, frames stay
            uint8 at the source size).
        name: display name for errors.

    Returns:
        one array per window (new arrays: they do not alias ``frames``).

    Raises:
        VideoError: BAD_SHAPE (including an index past the last frame), UNSUPPORTED_CHANNELS,
            EXTREME_ASPECT_RATIO.
        ValueError: ``windows`` is empty or holds an empty window or a negative index.
    """
    _check_frames(frames, name)
    _check_aspect(frames.shape[1], frames.shape[2], name)
    wanted = _index_plan(windows)
    if max(wanted) >= frames.shape[0]:
        raise VideoError(
            VideoError.BAD_SHAPE, name,
            f"a window asks for frame {max(wanted)} but only {frames.shape[0]} frames were given; "
            "plan windows from the frame count",
        )
    out = []
    for indices in windows:
        picked = frames[np.asarray(indices, dtype=np.intp)]  # fancy indexing copies
        out.append(picked if preprocess else resize_frames(picked, family, source=name))
    return out


def _index_plan(windows: Sequence[Sequence[int]]) -> dict[int, list[tuple[int, int]]]:
    """Maps each wanted source index to the (window, position) pairs that need it."""
    if not windows:
        raise ValueError("windows is empty: pass at least one list of frame indices")
    wanted: dict[int, list[tuple[int, int]]] = {}
    for w, indices in enumerate(windows):
        if len(indices) == 0:
            raise ValueError(f"window {w} has no frame indices")
        for position, index in enumerate(indices):
            index = int(index)
            if index < 0:
                raise ValueError(f"window {w} holds a negative frame index {index}")
            wanted.setdefault(index, []).append((w, position))
    return wanted
