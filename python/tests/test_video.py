"""Tests of qwenvl_bridge.video against small videos generated with PyAV into tmp_path."""

import math
import os

import numpy as np
import pytest

import videos
from qwenvl_bridge import family, video
from qwenvl_bridge.video import VideoError

CONTAINERS = ["mp4", "mkv", "webm", "avi", "mov"]


def _need_codec(ext):
    codec = videos.CONTAINERS[ext][1]
    if not videos.codec_available(codec):
        pytest.skip(f"this PyAV build has no {codec} encoder for .{ext}")


def _levels(frames):
    """Mean grey level of each (H, W, 3) frame."""
    return [float(f.mean()) for f in frames]


def _assert_frames_are(frames, indices):
    for got, index in zip(_levels(frames), indices):
        assert abs(got - videos.frame_level(index)) <= 3, (got, index)


def _raises(reason, fn, *args, **kwargs) -> VideoError:
    with pytest.raises(VideoError) as info:
        fn(*args, **kwargs)
    assert info.value.reason == reason, str(info.value)
    return info.value


# --- containers, codecs, sizes --------------------------------------------------------------


@pytest.mark.parametrize("ext", CONTAINERS)
def test_probe_reports_count_fps_size_for_each_container(tmp_path, ext):
    _need_codec(ext)
    path = videos.write_video(tmp_path / f"v.{ext}", ext=ext, width=64, height=48, fps=25, frames=30)
    info = video.probe(path)
    assert info["frame_count"] == 30
    assert info["fps"] == pytest.approx(25.0, rel=1e-3)
    assert (info["width"], info["height"], info["rotation"]) == (64, 48, 0)
    assert info["duration"] == pytest.approx(1.2, rel=1e-3)
    assert video.probe(path, decode=True)["frame_count"] == 30


@pytest.mark.parametrize("ext", CONTAINERS)
def test_decode_windows_picks_the_requested_frames(tmp_path, ext):
    _need_codec(ext)
    path = videos.write_video(tmp_path / f"v.{ext}", ext=ext, frames=30)
    windows = [[0, 10, 20, 29], [3, 4], [29, 0]]
    out = video.decode_windows(path, windows, True)
    assert [a.shape for a in out] == [(4, 48, 64, 3), (2, 48, 64, 3), (2, 48, 64, 3)]
    assert all(a.dtype == np.uint8 for a in out)
    for frames, indices in zip(out, windows):
        _assert_frames_are(frames, indices)


@pytest.mark.parametrize("ext", ["mp4", "mkv", "avi", "mov"])
def test_odd_frame_size(tmp_path, ext):
    path = videos.write_video(tmp_path / f"odd.{ext}", ext=ext, width=97, height=61, frames=8)
    info = video.probe(path)
    assert (info["width"], info["height"]) == (97, 61)
    (frames,) = video.decode_windows(path, [[0, 7]], True)
    assert frames.shape == (2, 61, 97, 3)
    _assert_frames_are(frames, [0, 7])


@pytest.mark.parametrize("ext", ["mp4", "mkv", "webm", "avi", "mov"])
def test_in_memory_bytes_behave_like_files(ext):
    _need_codec(ext)
    data = videos.write_video(None, ext=ext, frames=12, fps=30)
    info = video.probe(data)
    assert info["frame_count"] == 12
    assert info["fps"] == pytest.approx(30.0, rel=1e-3)
    (frames,) = video.decode_windows(data, [[1, 11]], True, name=f"clip.{ext}")
    _assert_frames_are(frames, [1, 11])


def test_four_frame_video(tmp_path):
    path = videos.write_video(tmp_path / "four.mp4", frames=4)
    assert video.probe(path)["frame_count"] == 4
    (frames,) = video.decode_windows(path, [[0, 1, 2, 3]], True)
    _assert_frames_are(frames, [0, 1, 2, 3])


def test_ten_minute_low_resolution_video(tmp_path):
    path = videos.write_video(tmp_path / "long.mp4", width=32, height=32, fps=2, frames=1200)
    info = video.probe(path)
    assert info["frame_count"] == 1200
    assert info["fps"] == pytest.approx(2.0, rel=1e-3)
    assert info["duration"] == pytest.approx(600.0, rel=1e-3)
    # Java's plan for 1200 frames: 0-255, 256-511, 512-767, 768-1023, 1024-1199; at a 2 fps
    # source and 2 fps sampling each window keeps every frame. Take three of them.
    windows = [list(range(0, 256)), list(range(768, 1024)), list(range(1024, 1200))]
    out = video.decode_windows(path, windows, True)
    assert [a.shape[0] for a in out] == [256, 256, 176]
    _assert_frames_are(out[2][::25], windows[2][::25])


# --- variable frame rate and rotation -------------------------------------------------------


def test_variable_frame_rate_fps_comes_from_timestamps(tmp_path):
    # 20 frames lasting 80 ms and 20 ms in turn: 1 s, 20 frames/s on average; nominal rate 30.
    pts, t = [], 0
    for i in range(20):
        pts.append(t)
        t += 80 if i % 2 == 0 else 20
    path = videos.write_video(tmp_path / "vfr.mp4", fps=30, frames=20, pts_ms=pts, width=32, height=32)
    info = video.probe(path)
    assert info["frame_count"] == 20
    assert info["fps"] == pytest.approx(20.0, rel=0.03)
    assert info["duration"] == pytest.approx(1.0, rel=0.03)
    (frames,) = video.decode_windows(path, [[0, 5, 19]], True)
    _assert_frames_are(frames, [0, 5, 19])


@pytest.mark.parametrize(
    "rotation_ccw, clockwise, marker_side",
    [(90, 270, "bottom"), (-90, 90, "top"), (180, 180, "right")],
)
def test_display_rotation_is_applied(tmp_path, rotation_ccw, clockwise, marker_side):
    # 64x32 frames whose left eighth is white; the display matrix turns them.
    path = videos.write_video(tmp_path / "rot.mp4", width=64, height=32, frames=6,
                              rotation_ccw=rotation_ccw, marker=True)
    info = video.probe(path)
    assert info["rotation"] == clockwise
    upright = (32, 64) if clockwise in (90, 270) else (64, 32)
    assert (info["width"], info["height"]) == upright
    (frames,) = video.decode_windows(path, [[0, 5]], True)
    assert frames.shape == (2, upright[1], upright[0], 3)
    f = frames[0].astype(int)
    edges = {"top": f[:4].mean(), "bottom": f[-4:].mean(), "left": f[:, :4].mean(), "right": f[:, -4:].mean()}
    assert max(edges, key=edges.get) == marker_side, edges
    (resized,) = video.decode_windows(path, [[0, 5]], False)
    assert (resized.shape[1] > resized.shape[2]) == (upright[1] > upright[0])


# --- preprocessing --------------------------------------------------------------------------


def test_model_preprocesses_gives_uint8_at_source_size(tmp_path):
    path = videos.write_video(tmp_path / "v.mkv", ext="mkv", width=97, height=61, frames=10)
    (frames,) = video.decode_windows(path, [[0, 2, 4, 6]], preprocess=True)
    assert frames.dtype == np.uint8 and frames.shape == (4, 61, 97, 3)


@pytest.mark.parametrize("size", [(97, 61), (64, 48), (1280, 720)])
def test_our_preprocessing_resizes_to_the_family_size_and_stays_uint8(tmp_path, size):
    width, height = size
    path = videos.write_video(tmp_path / "v.mp4", width=width, height=height, frames=6)
    (frames,) = video.decode_windows(path, [[0, 1, 2, 3, 4, 5]], preprocess=False)
    t, h, w, c = frames.shape
    assert frames.dtype == np.uint8 and (t, c) == (6, 3)
    assert (h, w) == video.window_size(6, height, width, "qwen2.5")
    assert h % 28 == 0 and w % 28 == 0
    fam = family.get("qwen2.5")
    assert fam.min_pixels <= h * w <= fam.max_pixels
    assert abs(math.log((w / h) / (width / height))) < 0.2
    # not normalised: vLLM rescales and normalises, once
    assert abs(float(frames[3].mean()) - videos.frame_level(3)) <= 3


def test_qwen3_frames_are_sized_in_multiples_of_32(tmp_path):
    path = videos.write_video(tmp_path / "v.mp4", width=640, height=360, frames=6)
    (frames,) = video.decode_windows(path, [[0, 1, 2, 3]], preprocess=False, family="qwen3")
    assert frames.shape == (4, 352, 640, 3)  # 360 -> 11.25 x 32 -> 352; 640 = 20 x 32


@pytest.mark.parametrize(
    "key, frames, expected",
    [
        # qwen-vl-utils fetch_video: max(min(768 * f^2, 24576 * f^2 / T * 2), int(128 * f^2 * 1.05))
        ("qwen2.5", 4, 602112),
        ("qwen2.5", 18, 602112),
        ("qwen2.5", 52, 602112),   # 741061.5 capped at 768 tokens
        ("qwen2.5", 64, 602112),   # the budget and the cap meet
        ("qwen2.5", 128, 301056),
        ("qwen2.5", 256, 150528),
        ("qwen2.5", 400, 105369),  # floor int(100352 * 1.05) wins over 96337.92
        ("qwen3", 18, 786432),
        ("qwen3", 128, 393216),
        ("qwen3", 400, 137625),    # floor int(131072 * 1.05) wins over 125829.12
    ],
)
def test_frame_max_pixels_follows_qwen_vl_utils(key, frames, expected):
    assert family.get(key).frame_max_pixels(frames) == pytest.approx(expected)


@pytest.mark.parametrize(
    "key, frames, hw, expected",
    [
        ("qwen2.5", 4, (1080, 1920), (560, 1008)),
        ("qwen2.5", 4, (360, 640), (364, 644)),
        ("qwen2.5", 4, (241, 321), (280, 392)),   # below 128 tokens: scaled up
        ("qwen2.5", 4, (640, 360), (644, 364)),
        ("qwen2.5", 52, (540, 960), (532, 952)),  # the budget per temporal patch leaves it alone
        ("qwen2.5", 256, (540, 960), (280, 504)),
        ("qwen3", 4, (1080, 1920), (640, 1152)),
        ("qwen3", 4, (360, 640), (352, 640)),
    ],
)
def test_window_size_known_values(key, frames, hw, expected):
    assert video.window_size(frames, *hw, key) == expected


def test_resize_frames_leaves_its_input_alone_and_returns_it_when_already_sized():
    frames = np.random.default_rng(0).integers(0, 256, (2, 61, 97, 3), dtype=np.uint8)
    copy = frames.copy()
    out = video.resize_frames(frames)
    np.testing.assert_array_equal(frames, copy)
    assert out.dtype == np.uint8
    assert video.resize_frames(out) is out


@pytest.mark.parametrize(
    "shape, dtype, reason",
    [
        ((2, 8, 8, 1), np.uint8, VideoError.UNSUPPORTED_CHANNELS),
        ((2, 8, 8, 4), np.uint8, VideoError.UNSUPPORTED_CHANNELS),
        ((8, 8, 3), np.uint8, VideoError.BAD_SHAPE),
        ((2, 8, 8, 3), np.float32, VideoError.BAD_SHAPE),
        ((2, 2, 402, 3), np.uint8, VideoError.EXTREME_ASPECT_RATIO),
    ],
)
def test_resize_frames_rejects_bad_frames(shape, dtype, reason):
    err = _raises(reason, video.resize_frames, np.zeros(shape, dtype=dtype), source="clip-9")
    assert err.source == "clip-9"


def test_smart_resize_stays_within_limits_over_a_grid():
    fam = family.get("qwen2.5")
    for h in range(16, 2200, 61):
        for w in range(16, 4000, 97):
            if max(h, w) / min(h, w) > 8:
                continue
            th, tw = video.smart_resize(h, w, fam.factor, fam.min_pixels, fam.max_pixels)
            assert th % 28 == 0 and tw % 28 == 0
            assert fam.min_pixels <= th * tw <= fam.max_pixels, (h, w, th, tw)


def test_processor_bounds_size_raw_frames_as_our_resize_does():
    assert family.get("qwen2.5").processor_bounds(128) == {"min_pixels": 100352, "max_pixels": 301056}
    # Qwen3-VL's video processor bounds frames x height x width
    assert family.get("qwen3").processor_bounds(128) == {
        "min_pixels": 128 * 131072, "max_pixels": 128 * 393216, "cap_pixels_per_frame": False}
    # transformers refuses a float bound: 19267584 / 130 * 2 = 296424.36...
    bounds = family.get("qwen2.5").processor_bounds(130)
    assert bounds["max_pixels"] == 296424 and isinstance(bounds["max_pixels"], int)


def test_families_are_data_with_their_keys_and_aliases():
    assert family.keys() == ["qwen", "qwen3"]
    assert family.get("qwen") is family.get("qwen2.5")
    assert family.get(" QWEN3 ").factor == 32
    with pytest.raises(ValueError, match="unknown model family 'qwen4'"):
        family.get("qwen4")


def test_video_tokens_count_merged_patches_per_temporal_patch():
    # 18 frames of 364 x 644: 9 temporal patches of 13 x 23 merged tokens
    assert family.get("qwen2.5").video_tokens(18, 364, 644) == 9 * 13 * 23
    # Qwen3-VL also writes a text timestamp per temporal patch
    assert family.get("qwen3").video_tokens(4, 352, 640) == 2 * (11 * 20 + 8)


# --- errors ---------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.mp4")
    err = _raises(VideoError.MISSING_FILE, video.probe, path)
    assert err.source == path and path in str(err)
    _raises(VideoError.MISSING_FILE, video.decode_windows, path, [[0]], True)


def test_directory_is_unreadable(tmp_path):
    _raises(VideoError.UNREADABLE_FILE, video.probe, str(tmp_path))


def test_non_video_file(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("these are not the frames you are looking for\n" * 50)
    err = _raises(VideoError.NOT_A_VIDEO, video.probe, str(path))
    assert "notes.mp4" in str(err)
    _raises(VideoError.NOT_A_VIDEO, video.decode_windows, str(path), [[0]], True)


def test_audio_only_file_has_no_video_stream(tmp_path):
    path = videos.write_audio_only(tmp_path / "tone.wav")
    err = _raises(VideoError.NOT_A_VIDEO, video.probe, path)
    assert "no video stream" in str(err)


def test_empty_bytes():
    _raises(VideoError.EMPTY_DATA, video.probe, b"", name="empty.mp4")


def test_truncated_mp4_with_index_in_front(tmp_path):
    # faststart puts the index (moov) first: the header still declares 60 frames after the cut.
    full = videos.write_video(tmp_path / "full.mp4", frames=60, noise=True,
                              options={"movflags": "faststart"})
    data = open(full, "rb").read()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    err = _raises(VideoError.CORRUPT_STREAM, video.probe, str(cut))
    assert "declares 60 frames" in str(err)
    err = _raises(VideoError.CORRUPT_STREAM, video.decode_windows, str(cut), [[0, 59]], True)
    assert "59" in str(err)


def test_truncated_mp4_with_index_at_the_end(tmp_path):
    # the default layout writes the index last: cutting the tail loses it.
    data = videos.write_video(None, frames=60, noise=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    err = _raises(VideoError.CORRUPT_STREAM, video.probe, str(cut))
    assert str(cut) in str(err)


def test_truncated_bytes_named_in_the_error(tmp_path):
    full = videos.write_video(tmp_path / "full.mp4", frames=60, noise=True,
                              options={"movflags": "faststart"})
    data = open(full, "rb").read()
    err = _raises(VideoError.CORRUPT_STREAM, video.probe, data[: len(data) // 2], name="s3://bucket/clip.mp4")
    assert err.source == "s3://bucket/clip.mp4"


def test_frame_past_the_end_is_a_corrupt_stream_error(tmp_path):
    path = videos.write_video(tmp_path / "v.mp4", frames=10)
    err = _raises(VideoError.CORRUPT_STREAM, video.decode_windows, path, [[0, 5], [8, 12]], True)
    assert "frame 12" in str(err) and "10 decodable" in str(err)


def test_extreme_aspect_ratio_video(tmp_path):
    path = videos.write_video(tmp_path / "thin.avi", ext="avi", width=404, height=2, frames=4)
    _raises(VideoError.EXTREME_ASPECT_RATIO, video.probe, path)
    _raises(VideoError.EXTREME_ASPECT_RATIO, video.decode_windows, path, [[0]], True)


def test_bad_window_lists():
    with pytest.raises(ValueError, match="windows is empty"):
        video.decode_windows(b"x", [], True)
    with pytest.raises(ValueError, match="window 1 has no frame indices"):
        video.decode_windows(b"x", [[0], []], True)
    with pytest.raises(ValueError, match="negative"):
        video.decode_windows(b"x", [[-1]], True)


def test_error_reasons_match_java_enum():
    java = os.path.join(os.path.dirname(__file__), "..", "..", "src", "main", "java", "dev", "qwenvl",
                        "video", "VideoInputException.java")
    with open(java, encoding="utf-8") as f:
        text = f.read()
    enum = text[text.index("enum Reason"):]
    enum = enum[: enum.index("}")]
    names = {line.strip().rstrip(",") for line in enum.splitlines()
             if line.strip().rstrip(",").isupper() and line.strip().rstrip(",").replace("_", "").isalpha()}
    assert names == set(video.REASONS)


def test_one_frame_past_the_end_of_a_long_video_repeats_the_last_frame(tmp_path, caplog):
    # a packet count one above the decoded frames (hidden frames) must not reject a good video
    path = videos.write_video(tmp_path / "v.mp4", frames=200, width=32, height=32)
    (frames,) = video.decode_windows(path, [[0, 199, 200]], True)
    _assert_frames_are(frames, [0, 199, 199])
    assert "repeating the last frame" in caplog.text


def test_select_windows_from_frames_in_memory():
    frames = np.stack([np.full((61, 97, 3), videos.frame_level(i), np.uint8) for i in range(10)])
    raw = video.select_windows(frames, [[0, 9], [2, 3, 4, 5]], True)
    assert [a.shape for a in raw] == [(2, 61, 97, 3), (4, 61, 97, 3)]
    _assert_frames_are(raw[1], [2, 3, 4, 5])
    assert not np.shares_memory(raw[0], frames)
    (pre,) = video.select_windows(frames, [[0, 9]], False)
    assert pre.dtype == np.uint8 and pre.shape[1:3] == video.window_size(2, 61, 97, "qwen2.5")
    err = _raises(VideoError.BAD_SHAPE, video.select_windows, frames, [[0, 10]], True, name="java clip")
    assert "frame 10" in str(err) and err.source == "java clip"
    _raises(VideoError.UNSUPPORTED_CHANNELS, video.select_windows, frames[..., :1].copy(), [[0]], True)


def test_prepare_returns_tokens_and_the_processor_bounds_per_window(tmp_path):
    from qwenvl_bridge import handles, inputs

    path = str(videos.write_video(tmp_path / "v.mp4", width=640, height=360, frames=30))
    ours = inputs.prepare("path", path, "v", [[0, 9, 19, 29]], False, "qwen2.5")
    theirs = inputs.prepare("path", path, "v", [[0, 9, 19, 29]], True, "qwen2.5")
    qwen3 = inputs.prepare("path", path, "v", [[0, 9, 19, 29]], False, "qwen3")
    try:
        assert ours["shapes"] == [[4, 364, 644, 3]] and ours["dtype"] == "uint8"
        assert ours["processor_kwargs"] == [{}]
        assert theirs["shapes"] == [[4, 360, 640, 3]]
        assert theirs["processor_kwargs"] == [{"min_pixels": 100352, "max_pixels": 602112}]
        # the same size either way, so the same cost: 2 temporal patches of 13 x 23 tokens
        assert ours["video_tokens"] == theirs["video_tokens"] == [2 * 13 * 23]
        assert qwen3["shapes"] == [[4, 352, 640, 3]] and qwen3["video_tokens"] == [2 * (11 * 20 + 8)]
    finally:
        handles.release(ours["handles"] + theirs["handles"] + qwen3["handles"])
