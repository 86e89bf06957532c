"""Makes small test videos with PyAV (no system ffmpeg needed).

Each frame ``i`` is a flat grey of level :func:`frame_level` (i), so a test can tell which source
frame it got back from the mean of a decoded frame (lossy codecs keep flat frames within a few
levels). Reusable by the Java bridge tests to generate sample videos::

    python -c "import videos; videos.write_video('/tmp/a.mp4', frames=60)"
"""

from __future__ import annotations

import io
import os
from fractions import Fraction
from typing import Optional, Sequence, Union

import av
import numpy as np

#: container format name, codec and pixel format per file extension
CONTAINERS = {
    "mp4": ("mp4", "libx264", "yuv420p"),
    "mkv": ("matroska", "mpeg4", "yuv420p"),
    "webm": ("webm", "libvpx-vp9", "yuv420p"),
    "avi": ("avi", "mjpeg", "yuvj444p"),
    "mov": ("mov", "mpeg4", "yuv420p"),
}

#: grey levels of neighbouring frames differ by this much
LEVEL_STEP = 7


def frame_level(i: int) -> int:
    """Grey level of frame ``i``: 16, 23, 30, ... wrapping below 240."""
    return 16 + (LEVEL_STEP * i) % 224


def level_index(mean: float, frames: int) -> int:
    """The frame index in ``range(frames)`` whose level is closest to ``mean`` (unique if frames <= 32)."""
    return min(range(frames), key=lambda i: abs(frame_level(i) - mean))


def codec_available(codec: str) -> bool:
    try:
        av.codec.Codec(codec, "w")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


def write_video(
    target: Union[str, os.PathLike, None] = None,
    *,
    ext: str = "mp4",
    width: int = 64,
    height: int = 48,
    fps: int = 30,
    frames: int = 30,
    codec: Optional[str] = None,
    pix_fmt: Optional[str] = None,
    rotation_ccw: Optional[int] = None,
    pts_ms: Optional[Sequence[int]] = None,
    marker: bool = False,
    noise: bool = False,
    options: Optional[dict] = None,
) -> Union[str, bytes]:
    """Writes a video and returns its path, or its bytes when ``target`` is None.

    Args:
        ext: container, one of :data:`CONTAINERS` (chooses format, codec and pixel format).
        width, height: frame size; odd sizes switch libx264 to yuv444p (4:2:0 needs even sides).
        fps: nominal frame rate.
        frames: number of frames.
        codec, pix_fmt: override the container's defaults.
        rotation_ccw: display-matrix rotation written to the stream (counter-clockwise degrees,
            PyAV's ``set_display_rotation``); players turn frames by it.
        pts_ms: presentation time of each frame in milliseconds (variable frame rate).
        marker: paint the left eighth of every frame white (to check rotation).
        noise: add random texture (frames compress poorly, so the file is mostly frame data).
        options: container options, e.g. ``{"movflags": "faststart"}`` (faststart rewrites the
            file at the end, so it needs a path ``target``).
    """
    fmt, default_codec, default_pix = CONTAINERS[ext]
    codec = codec or default_codec
    pix_fmt = pix_fmt or default_pix
    if codec == "libx264" and (width % 2 or height % 2) and pix_fmt == "yuv420p":
        pix_fmt = "yuv444p"
    rng = np.random.default_rng(7)
    sink = io.BytesIO() if target is None else os.fspath(target)
    container = av.open(sink, mode="w", format=fmt, options=options or {})
    try:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if pts_ms is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if rotation_ccw is not None:
            stream.set_display_rotation(rotation_ccw)
        for i in range(frames):
            image = np.full((height, width, 3), frame_level(i), dtype=np.uint8)
            if noise:
                image = rng.integers(0, 256, image.shape, dtype=np.uint8)
            if marker:
                image[:, : max(1, width // 8)] = 255
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = int(pts_ms[i]), Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    return sink.getvalue() if target is None else sink


def write_audio_only(path: Union[str, os.PathLike], seconds: float = 0.5) -> str:
    """A WAV file with a sine tone and no video stream."""
    container = av.open(os.fspath(path), mode="w", format="wav")
    try:
        stream = container.add_stream("pcm_s16le", rate=8000)
        samples = (np.sin(np.arange(int(8000 * seconds)) / 5.0) * 3000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    return os.fspath(path)
