"""Probing: a video's frame count, average rate (from timestamps) and upright size, without
keeping any frame."""

from __future__ import annotations

import logging
from fractions import Fraction
from typing import Optional

import av

from .container import Source, check_aspect, display_name, displayed_size, open_video, rotation_clockwise, video_stream
from .errors import VideoError

logger = logging.getLogger("qwenvl_bridge.video")

#: A header frame count is trusted as "present" when at least this share of frames is found.
MIN_PRESENT_SHARE = 0.99


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
    with open_video(source, label) as container:
        stream = video_stream(container, label)
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
    rotation = rotation_clockwise(first, stream)
    height, width = displayed_size(first.height, first.width, rotation)
    check_aspect(height, width, label)
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
