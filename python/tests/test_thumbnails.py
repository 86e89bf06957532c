"""Thumbnails for the review page: the sampled frames of a window, through the captioning decoder."""

import base64
import io

import av
import numpy as np
import pytest

from qwenvl_bridge import thumbnails, video
from videos import frame_level, level_index, write_video


def _decode_jpeg(data):
    container = av.open(io.BytesIO(data), format="mjpeg")
    try:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")
    finally:
        container.close()


def test_pick_evenly_keeps_both_ends_and_spreads_the_rest():
    assert thumbnails.pick_evenly([0, 3, 6, 9, 12, 15, 18, 21], 4) == [0, 6, 15, 21]
    assert thumbnails.pick_evenly([5, 7], 4) == [5, 7]
    assert thumbnails.pick_evenly([5, 7, 9], 1) == [5]
    with pytest.raises(ValueError):
        thumbnails.pick_evenly([1, 2], 0)


def test_thumb_size_shrinks_the_longer_side_and_never_enlarges():
    assert thumbnails.thumb_size(720, 1280, 128) == (72, 128)
    assert thumbnails.thumb_size(1280, 720, 128) == (128, 72)
    assert thumbnails.thumb_size(48, 64, 128) == (48, 64)


def test_window_thumbnails_are_jpegs_of_the_picked_frames(tmp_path):
    path = write_video(tmp_path / "levels.mp4", frames=24, width=320, height=240)
    answer = thumbnails.window_thumbnails("path", str(path), "levels", [[0, 4, 8, 12, 16, 20], [2, 22]], 3, 64)
    assert [len(w) for w in answer] == [3, 2]
    first = [_decode_jpeg(base64.b64decode(b)) for b in answer[0]]
    assert first[0].shape == (48, 64, 3)
    # frames 0, 8 (index 2 of 6 rounds from 2.5 to 2) and 20: each grey level identifies its frame
    assert [level_index(float(f.mean()), 24) for f in first] == [0, 8, 20]


def test_missing_file_raises_the_captioning_reason(tmp_path):
    with pytest.raises(video.VideoError) as e:
        thumbnails.window_thumbnails("path", str(tmp_path / "gone.mp4"), "gone", [[0, 1]], 2)
    assert e.value.reason == video.VideoError.MISSING_FILE


def test_frames_from_java_are_thumbnailed_too():
    frames = np.stack([np.full((40, 80, 3), frame_level(i), dtype=np.uint8) for i in range(8)])
    answer = thumbnails.window_thumbnails("frames", frames, "frames", [[1, 3, 5, 7]], 2, 40)
    pictures = [_decode_jpeg(base64.b64decode(b)) for b in answer[0]]
    assert pictures[0].shape == (20, 40, 3)
    assert [level_index(float(p.mean()), 8) for p in pictures] == [1, 7]
