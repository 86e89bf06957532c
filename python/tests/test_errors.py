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
    from qwenvl_bridge import enginewatch, vllm_api

    assert errors.classify(vllm_api.VllmNotInstalled("x"))[:2] == ("engine", "ENGINE_UNAVAILABLE")
    assert errors.classify(vllm_api.VllmVersionUnsupported("x"))[:2] == ("engine", "ENGINE_UNAVAILABLE")
    assert isinstance(vllm_api.VllmNotInstalled("x"), ImportError)
    died = enginewatch.EngineDied(enginewatch.Death("EngineCore", os.getpid(), -9))
    assert errors.classify(died) == ("engine", "ENGINE_DIED", {
        "process": "EngineCore", "pid": os.getpid(), "exit_code": None, "signal": "SIGKILL"})
    vllms_own = type("EngineDeadError", (Exception,), {})
    assert errors.classify(vllms_own("gone"))[:2] == ("engine", "ENGINE_DIED")


def test_plain_exceptions_carry_no_reason():
    assert errors.classify(ValueError("a bug")) is None
    described = bridge.describe(KeyError("k"))
    assert described["type"] == "builtins.KeyError"
    assert (described["domain"], described["reason"], described["details"]) == (None, None, None)


def test_described_errors_carry_domain_reason_and_details():
    try:
        raise DownloadError(Reason.DISK_FULL, "disk full at /m", model_id="a/b", revision="r")
    except DownloadError as e:
        described = bridge.describe(e)
    assert described["message"] == "disk full at /m"
    assert (described["domain"], described["reason"], described["details"]) == (
        "download", "DISK_FULL", {"model_id": "a/b", "revision": "r"})


def test_an_undeclared_reason_is_refused_when_raised():
    with pytest.raises(ValueError, match="no reason 'SOMETHING_NEW'"):
        video.VideoError("SOMETHING_NEW", "v", "detail")
    with pytest.raises(TypeError):
        errors.BridgeError("X", "a bridge error must name its domain")


def test_all_reasons_lists_every_domain():
    from qwenvl_bridge import reasons

    pairs = [[r["domain"], r["reason"]] for r in reasons.all_reasons()]
    assert ["video", "CORRUPT_STREAM"] in pairs
    assert ["download", "GATED_NEEDS_TOKEN"] in pairs
    assert ["engine", "ENGINE_DIED"] in pairs and ["engine", "UNSAFE_START_METHOD"] in pairs
    assert len(pairs) == len({tuple(p) for p in pairs})
    assert {d for d, _ in pairs} == {"video", "download", "engine"}
    assert ["engine", "ABORTED"] in pairs and ["engine", "REQUEST_FAILED"] in pairs


def test_a_failed_stream_request_is_a_value_with_the_reason_a_raised_one_would_carry():
    from qwenvl_bridge import enginewatch

    refused = errors.failure(ValueError("bad input"))
    assert (refused["domain"], refused["reason"], refused["type"], refused["message"]) == (
        "engine", "REQUEST_FAILED", "builtins.ValueError", "bad input")
    died = errors.failure(enginewatch.EngineDied(enginewatch.Death("EngineCore", 42, 3)))
    assert (died["reason"], died["details"]["pid"], died["details"]["exit_code"]) == ("ENGINE_DIED", 42, 3)
    vllms_own = type("EngineDeadError", (Exception,), {})
    assert errors.failure(vllms_own("gone"))["reason"] == "ENGINE_DIED"
    assert errors.aborted("closed")["reason"] == "ABORTED"
