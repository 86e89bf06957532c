"""The one error path of the Python half: BridgeError with a reason, described for Java."""

import os

import numpy as np
import pytest

from qwenvl_bridge import bridge, errors, inputs, start_method, video
from qwenvl_bridge.weights.errors import DownloadError, Reason


def test_video_errors_carry_reason_source_and_detail():
    with pytest.raises(video.VideoError) as caught:
        inputs.probe("path", "/no/such/video.mp4", "clip-7")
    error = caught.value
    assert isinstance(error, errors.BridgeError)
    assert errors.classify(error) == ("video", "MISSING_FILE", {"source": "clip-7", "detail": error.detail})
    assert "clip-7" in str(error) and "[MISSING_FILE]" in str(error)


def test_prepare_raises_instead_of_answering_an_error_value(tmp_path):
    not_a_video = tmp_path / "notes.mp4"
    not_a_video.write_bytes(b"just some text, not a container at all")
    with pytest.raises(video.VideoError) as caught:
        inputs.prepare("path", str(not_a_video), "notes", [[0, 1]], False, "qwen2.5")
    assert caught.value.reason == video.VideoError.NOT_A_VIDEO


def test_frames_of_the_wrong_shape_raise_bad_shape():
    with pytest.raises(video.VideoError) as caught:
        inputs.prepare("frames", np.zeros((2, 4, 4), dtype=np.uint8), "java", [[0]], False, "qwen2.5")
    assert errors.classify(caught.value)[:2] == ("video", "BAD_SHAPE")


def test_download_errors_carry_model_and_revision():
    error = DownloadError(Reason.NETWORK, "no network", model_id="a/b", revision="r1")
    assert errors.classify(error) == ("download", "NETWORK", {"model_id": "a/b", "revision": "r1"})


def test_unsafe_start_method_is_an_engine_error():
    with pytest.raises(start_method.UnsafeStartMethod) as caught:
        start_method.require_spawn({start_method.VARIABLE: "fork"})
    assert errors.classify(caught.value) == ("engine", "UNSAFE_START_METHOD", {})
    assert isinstance(caught.value, RuntimeError)


def test_engine_exceptions_of_other_modules_are_classified_by_their_class():
    from qwenvl_bridge import engine, enginewatch

    assert errors.classify(engine.VllmNotInstalled("x"))[:2] == ("engine", "ENGINE_UNAVAILABLE")
    assert errors.classify(engine.VllmVersionUnsupported("x"))[:2] == ("engine", "ENGINE_UNAVAILABLE")
    died = enginewatch.EngineDied(enginewatch.Death("EngineCore", os.getpid(), -9))
    assert errors.classify(died)[:2] == ("engine", "ENGINE_DIED")
    vllms_own = type("EngineDeadError", (Exception,), {})
    assert errors.classify(vllms_own("gone"))[:2] == ("engine", "ENGINE_DIED")


def test_plain_exceptions_carry_no_reason():
    assert errors.classify(ValueError("a bug")) is None
    described = bridge.describe(KeyError("k"))
    assert described[0] == "builtins.KeyError" and described[3:] == [None, None, None]


def test_described_errors_carry_domain_reason_and_details():
    try:
        raise DownloadError(Reason.DISK_FULL, "disk full at /m", model_id="a/b", revision="r")
    except DownloadError as e:
        described = bridge.describe(e)
    assert described[1] == "disk full at /m"
    assert described[3:] == ["download", "DISK_FULL", {"model_id": "a/b", "revision": "r"}]


def test_an_undeclared_reason_is_refused_when_raised():
    with pytest.raises(ValueError, match="no reason 'SOMETHING_NEW'"):
        video.VideoError("SOMETHING_NEW", "v", "detail")
    with pytest.raises(TypeError):
        errors.BridgeError("X", "a bridge error must name its domain")


def test_all_reasons_lists_every_domain():
    pairs = errors.all_reasons()
    assert ["video", "CORRUPT_STREAM"] in pairs
    assert ["download", "GATED_NEEDS_TOKEN"] in pairs
    assert ["engine", "ENGINE_DIED"] in pairs and ["engine", "UNSAFE_START_METHOD"] in pairs
    assert len(pairs) == len({tuple(p) for p in pairs})
    assert {d for d, _ in pairs} == {"video", "download", "engine"}
