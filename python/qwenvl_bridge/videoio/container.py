"""Opening a video source with PyAV (every failure a :class:`VideoError`), its video stream,
the aspect-ratio limit, and rotation (FFmpeg's display matrix, else the ``rotate`` tag)."""

from __future__ import annotations

import io
import logging
import os
from typing import Optional, Union

import av
import numpy as np

from .errors import VideoError

logger = logging.getLogger("qwenvl_bridge.video")

MAX_ASPECT_RATIO = 200.0

Source = Union[str, os.PathLike, bytes, bytearray, memoryview]


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


def open_video(source: Source, name: str) -> av.container.InputContainer:
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


def video_stream(container: av.container.InputContainer, name: str) -> av.video.stream.VideoStream:
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["none"]
        raise VideoError(
            VideoError.NOT_A_VIDEO, name,
            f"has no video stream (streams: {', '.join(kinds)}); pass a file that contains video",
        )
    return container.streams.video[0]


def check_aspect(height: int, width: int, name: str) -> None:
    ratio = max(height, width) / min(height, width)
    if ratio > MAX_ASPECT_RATIO:
        raise VideoError(
            VideoError.EXTREME_ASPECT_RATIO, name,
            f"frame size {width}x{height} has aspect ratio {ratio:.1f}, over the limit of "
            f"{MAX_ASPECT_RATIO:.0f}; crop or pad the video",
        )


def rotation_clockwise(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> int:
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


def upright(rgb: np.ndarray, rotation_cw: int) -> np.ndarray:
    """``rgb`` (H, W, 3) turned clockwise by ``rotation_cw`` degrees (a view, no copy)."""
    if rotation_cw == 0:
        return rgb
    return np.rot90(rgb, k=-(rotation_cw // 90), axes=(0, 1))


def displayed_size(height: int, width: int, rotation_cw: int) -> tuple[int, int]:
    return (width, height) if rotation_cw in (90, 270) else (height, width)
