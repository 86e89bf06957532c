import numpy as np
import pytest

from qwenvl_bridge import frames_out, handles


def test_describe_and_copy_into_give_the_held_frames():
    frames = np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3)
    h = handles.put(frames)
    try:
        assert frames_out.describe(h) == {"shape": [2, 3, 4, 3], "dtype": "uint8"}
        target = np.zeros_like(frames)
        assert frames_out.copy_into(h, target) == frames.nbytes
        assert np.array_equal(target, frames)
        assert handles.get(h) is frames, "the frames stay held"
    finally:
        handles.release(h)


def test_a_target_of_another_shape_is_refused_naming_both():
    h = handles.put(np.zeros((2, 3, 4, 3), dtype=np.uint8))
    try:
        with pytest.raises(ValueError, match=r"uint8\[2, 3, 4, 3\]"):
            frames_out.copy_into(h, np.zeros((1, 3, 4, 3), dtype=np.uint8))
    finally:
        handles.release(h)


def test_a_released_handle_is_named():
    h = handles.put(np.zeros((1, 1, 1, 3), dtype=np.uint8))
    handles.release(h)
    with pytest.raises(KeyError, match=str(h)):
        frames_out.describe(h)


def test_only_frame_arrays_cross():
    h = handles.put(np.zeros((2, 2), dtype=np.uint8))
    try:
        with pytest.raises(ValueError, match="no \\(T, H, W, C\\) frame array"):
            frames_out.describe(h)
    finally:
        handles.release(h)
