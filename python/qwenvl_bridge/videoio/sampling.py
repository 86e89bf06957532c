"""Sampling: the requested frames of each window, decoded from a container in one pass or
selected from frames already in memory, resized for the family unless the model preprocesses."""

from __future__ import annotations

import logging
from typing import Optional, Sequence, Union

import av
import numpy as np

from .. import family as family_mod
from ..lanes import Cancelled
from .container import Source, check_aspect, display_name, open_video, rotation_clockwise, upright, video_stream
from .errors import VideoError
from .probing import MIN_PRESENT_SHARE
from .resizing import check_frames, resize_frames

logger = logging.getLogger("qwenvl_bridge.video")


def decode_windows(
    source: Source,
    windows: Sequence[Sequence[int]],
    preprocess: bool,
    *,
    name: Optional[str] = None,
    family: Union[str, family_mod.Family] = "qwen2.5",
    threads: int = 0,
    cancelled=None,
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
        threads: FFmpeg's own decoding threads (0: FFmpeg's choice). A decode lane passes its
            share of the cores, so that lanes x threads fits them; the frames do not depend on it.
        cancelled: a ``threading.Event``; once set, the decode stops at the next frame and raises
            ``lanes.Cancelled``.

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
        rgb = upright(frame.to_ndarray(format="rgb24"), rotation)
        for w, position in targets:
            if buffers[w] is None:
                buffers[w] = np.empty((len(windows[w]),) + rgb.shape, dtype=np.uint8)
            buffers[w][position] = rgb
            remaining[w] -= 1
            if remaining[w] == 0:
                finish(w)

    last_frame = None
    with open_video(source, label) as container:
        stream = video_stream(container, label)
        stream.thread_type = "AUTO"
        if threads > 0:
            stream.codec_context.thread_count = int(threads)
        frames_iter = container.decode(stream)
        while decoded <= last_wanted:
            if cancelled is not None and cancelled.is_set():
                raise Cancelled(f"decoding {label} was cancelled after {decoded} frames")
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
                rotation = rotation_clockwise(frame, stream)
                size = (frame.height, frame.width)
                check_aspect(*size, label)
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
    check_frames(frames, name)
    check_aspect(frames.shape[1], frames.shape[2], name)
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
