"""Decode lanes (qwenvl_bridge.lanes, inputs.start_*): the same frames as the interpreter-thread
path, errors handed to the collector, cancel stops the decode and releases its frames, and no
lane thread outlives its work."""

import threading
import time

import numpy as np
import pytest

import videos
from qwenvl_bridge import handles, inputs, lanes
from qwenvl_bridge.video import VideoError


def _collect(ticket, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        answer = inputs.finished(ticket)
        if answer is not None:
            return answer
        time.sleep(0.002)
    raise AssertionError(f"lane {ticket} did not end within {timeout} s")


def _no_lane_threads(timeout=5.0):
    end = time.monotonic() + timeout
    while lanes.running_threads() and time.monotonic() < end:
        time.sleep(0.01)
    return lanes.running_threads() == []


@pytest.mark.parametrize("preprocess", [False, True])
@pytest.mark.parametrize("threads", [0, 1, 2])
def test_a_lane_prepares_the_same_frames_as_the_interpreter_thread(tmp_path, preprocess, threads):
    path = videos.write_video(str(tmp_path / "v.mp4"), frames=90, width=96, height=64, noise=True)
    windows = [[0, 10, 20, 30], [40, 50, 60, 89]]
    direct = inputs.prepare("path", path, "v", windows, preprocess, "qwen2.5")
    laned = _collect(inputs.start_prepare("path", path, "v", windows, preprocess, "qwen2.5", threads))
    try:
        assert {k: v for k, v in laned.items() if k != "handles"} == {k: v for k, v in direct.items() if k != "handles"}
        for a, b in zip(direct["handles"], laned["handles"]):
            assert handles.get(a).tobytes() == handles.get(b).tobytes()
        expected = sum(int(np.prod(s)) for s in direct["shapes"])
        assert inputs.frame_bytes(64, 96, [4, 4], preprocess, "qwen2.5") == expected
    finally:
        inputs.release(direct["handles"] + laned["handles"])


def test_bytes_are_copied_on_the_calling_thread_and_probe_runs_on_a_lane(tmp_path):
    data = videos.write_video(None, frames=30, width=64, height=48)
    array = np.frombuffer(data, dtype=np.uint8).copy()
    info = _collect(inputs.start_probe("bytes", array, "mem"))
    array[:] = 0  # the lane works on its own copy
    assert info["frame_count"] == 30 and (info["width"], info["height"]) == (64, 48)
    answer = _collect(inputs.start_prepare("bytes", np.frombuffer(data, dtype=np.uint8), "mem", [[0, 29]], True))
    inputs.release(answer["handles"])


def test_a_bad_input_raises_its_video_error_from_finished(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    ticket = inputs.start_prepare("path", str(bad), "bad.mp4", [[0]], False)
    with pytest.raises(VideoError) as error:
        _collect(ticket)
    assert error.value.reason == VideoError.NOT_A_VIDEO
    with pytest.raises(KeyError):
        inputs.finished(ticket)  # collected once
    assert _no_lane_threads()


def test_cancel_stops_the_decode_at_its_next_frame_and_releases_its_frames(tmp_path):
    path = videos.write_video(str(tmp_path / "long.mp4"), frames=3000, width=160, height=120, noise=True)
    held = handles.count()
    started = time.monotonic()
    ticket = inputs.start_prepare("path", path, "long", [list(range(0, 3000, 15))], False, "qwen2.5", 1)
    time.sleep(0.05)
    inputs.cancel(ticket)
    assert _no_lane_threads(), lanes.running_threads()
    assert time.monotonic() - started < 5, "the decode stopped long before its end"
    assert handles.count() == held
    assert lanes.pending() == 0
    inputs.cancel(ticket)  # again: ignored


def test_a_result_cancelled_after_the_decode_ended_is_released(tmp_path):
    path = videos.write_video(str(tmp_path / "v.mp4"), frames=30, width=64, height=48)
    held = handles.count()
    ticket = inputs.start_prepare("path", path, "v", [[0, 29]], False)
    while lanes.running_threads():
        time.sleep(0.005)
    assert handles.count() == held + 1
    assert inputs.cancel(ticket) is True
    assert handles.count() == held


def test_lanes_decode_at_once():
    gate = threading.Barrier(3, timeout=10)
    tickets = [lanes.start(lambda cancelled: gate.wait()) for _ in range(3)]
    for t in tickets:
        while lanes.finished(t) is None:
            time.sleep(0.002)
    assert _no_lane_threads()
