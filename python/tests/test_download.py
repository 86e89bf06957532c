"""Tests of qwenvl_bridge.download against the stand-in hub in hub_server.py (never the real hub).

Run: /tmp/venv-dl/bin/python -m pytest -q python/tests/test_download.py
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import socket
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # python/ -> qwenvl_bridge
sys.path.insert(0, HERE)  # hub_server

from hub_server import FakeHub, RunningHub  # noqa: E402
from qwenvl_bridge import download  # noqa: E402
from qwenvl_bridge.errors import BridgeError, classify  # noqa: E402
from qwenvl_bridge.weights import files  # noqa: E402
from qwenvl_bridge.download import DownloadError, Reason, download_weights  # noqa: E402

MODEL_ID = "Qwen/Qwen2.5-VL-7B-Instruct"
REVISION = "cc59489"
COMMIT = "cc59489" + "0123456789abcdef0123456789abcdef0"
MIB = 1024 * 1024


def _snapshot_files() -> dict[str, bytes]:
    """A few files like a real snapshot: JSON configs, a text file in a subfolder, and a 12 MiB weights blob.

    The blob is larger than huggingface_hub's 10 MiB read chunk, so a connection dropped after
    11 MiB leaves a whole chunk on disk and the client resumes with a Range request.
    """
    blob = hashlib.sha256(b"seed").digest() * (12 * MIB // 32)
    return {
        "config.json": json.dumps({"model_type": "qwen2_5_vl"}).encode(),
        "generation_config.json": b'{"temperature": 0.1}',
        "model-00001-of-00001.safetensors": blob,
        "tokenizer/vocab.txt": b"hello\nworld\n" * 100,
    }


@pytest.fixture(autouse=True)
def hub_env(tmp_path, monkeypatch):
    """Isolate each test: HF_HOME in tmp, no telemetry, no stray token, cache or endpoint.

    Settings huggingface_hub reads at import time (timeouts, a dead default endpoint) are set in conftest.py.
    """
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    for name in ("HF_TOKEN", "HF_TOKEN_PATH", "HF_HUB_CACHE", "HF_ENDPOINT", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def hub(monkeypatch):
    """A running stand-in hub with HF_ENDPOINT pointing at it."""
    fake = FakeHub(repo_id=MODEL_ID, revision=REVISION, commit=COMMIT, files=_snapshot_files())
    with RunningHub(fake) as running:
        monkeypatch.setenv("HF_ENDPOINT", running.endpoint)
        yield running


@pytest.fixture
def model_dir(tmp_path):
    return str(tmp_path / "models")


def _local_dir(model_dir: str) -> str:
    return os.path.join(model_dir, *MODEL_ID.split("/"))


def _assert_files_match(model_dir: str, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = os.path.join(_local_dir(model_dir), *name.split("/"))
        assert os.path.getsize(path) == len(data), name
        with open(path, "rb") as f:
            assert f.read() == data, name


def _file_gets(hub: RunningHub, name: str):
    return [r for r in hub.hub.requests if r.method == "GET" and r.path.endswith("/" + name)]


def _closed_port() -> int:
    """A local port with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_complete_download_puts_every_file_with_its_size(hub, model_dir):
    summary = download_weights(MODEL_ID, REVISION, model_dir)

    files = hub.hub.files
    _assert_files_match(model_dir, files)
    assert summary == {
        "path": _local_dir(model_dir),
        "model_id": MODEL_ID,
        "revision": REVISION,
        "commit": COMMIT,
        "files": len(files),
        "bytes": sum(len(d) for d in files.values()),
        "skipped": False,
    }
    manifest = download.read_manifest(_local_dir(model_dir))
    assert manifest["commit"] == COMMIT and manifest["revision"] == REVISION
    assert manifest["files"] == {name: len(data) for name, data in files.items()}


def test_skip_when_complete_makes_no_request(hub, model_dir):
    download_weights(MODEL_ID, REVISION, model_dir)
    hub.hub.requests.clear()

    summary = download_weights(MODEL_ID, REVISION, model_dir)

    assert summary["skipped"] is True
    assert summary["commit"] == COMMIT
    assert hub.hub.requests == []


def test_skip_works_with_the_hub_gone(hub, model_dir, monkeypatch):
    download_weights(MODEL_ID, REVISION, model_dir)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")

    assert download_weights(MODEL_ID, REVISION, model_dir)["skipped"] is True


def test_missing_file_is_downloaded_again(hub, model_dir):
    download_weights(MODEL_ID, REVISION, model_dir)
    os.remove(os.path.join(_local_dir(model_dir), "config.json"))
    hub.hub.requests.clear()

    summary = download_weights(MODEL_ID, REVISION, model_dir)

    assert summary["skipped"] is False
    _assert_files_match(model_dir, hub.hub.files)
    assert len(_file_gets(hub, "config.json")) == 1
    assert _file_gets(hub, "model-00001-of-00001.safetensors") == []  # complete files are kept


def test_truncated_file_is_downloaded_again(hub, model_dir):
    download_weights(MODEL_ID, REVISION, model_dir)
    weights = os.path.join(_local_dir(model_dir), "model-00001-of-00001.safetensors")
    with open(weights, "r+b") as f:
        f.truncate(1000)
    hub.hub.requests.clear()

    summary = download_weights(MODEL_ID, REVISION, model_dir)

    assert summary["skipped"] is False
    _assert_files_match(model_dir, hub.hub.files)
    assert len(_file_gets(hub, "model-00001-of-00001.safetensors")) == 1


def test_resumes_with_range_after_the_connection_drops_mid_file(hub, model_dir):
    name = "model-00001-of-00001.safetensors"
    hub.hub.drop_once = name
    hub.hub.drop_after = 11 * MIB

    download_weights(MODEL_ID, REVISION, model_dir)

    _assert_files_match(model_dir, hub.hub.files)
    gets = _file_gets(hub, name)
    assert len(gets) == 2
    assert "range" not in gets[0].headers
    assert gets[1].headers["range"].startswith("bytes=") and gets[1].headers["range"] != "bytes=0-"


def test_progress_callback_reaches_the_total(hub, model_dir):
    seen: list[tuple[int, int]] = []
    threads: set[int] = set()

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        threads.add(threading.get_ident())

    download_weights(MODEL_ID, REVISION, model_dir, progress=progress)

    assert threads == {threading.get_ident()}  # JEP needs callbacks on the calling thread
    total = sum(len(d) for d in hub.hub.files.values())
    assert seen and seen[-1] == (total, total)
    assert all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_failing_progress_callback_does_not_stop_the_download(hub, model_dir):
    def progress(done: int, total: int) -> None:
        raise RuntimeError("callback bug")

    download_weights(MODEL_ID, REVISION, model_dir, progress=progress)

    _assert_files_match(model_dir, hub.hub.files)


def test_logs_through_the_module_logger(hub, model_dir, caplog):
    with caplog.at_level(logging.INFO, logger="qwenvl_bridge.download"):
        download_weights(MODEL_ID, REVISION, model_dir)
    assert any("100%" in r.getMessage() for r in caplog.records if r.name == "qwenvl_bridge.download")


def test_unknown_revision(hub, model_dir):
    with pytest.raises(DownloadError) as caught:
        download_weights(MODEL_ID, "deadbee", model_dir)

    assert caught.value.reason == Reason.UNKNOWN_REVISION
    message = str(caught.value)
    assert "deadbee" in message and MODEL_ID in message and "check the revision" in message


def test_unknown_repo(hub, model_dir):
    with pytest.raises(DownloadError) as caught:
        download_weights("Qwen/No-Such-Model", REVISION, model_dir)

    assert caught.value.reason == Reason.REPO_NOT_FOUND
    assert "Qwen/No-Such-Model" in str(caught.value)


def test_gated_without_token(hub, model_dir):
    hub.hub.gated_token = "hf_secret"

    with pytest.raises(DownloadError) as caught:
        download_weights(MODEL_ID, REVISION, model_dir)

    assert caught.value.reason == Reason.GATED_NEEDS_TOKEN
    assert "set HF_TOKEN" in str(caught.value) and MODEL_ID in str(caught.value)


def test_gated_with_refused_token(hub, model_dir):
    hub.hub.gated_token = "hf_secret"

    with pytest.raises(DownloadError) as caught:
        download_weights(MODEL_ID, REVISION, model_dir, token="hf_other")

    assert caught.value.reason == Reason.GATED_ACCESS_DENIED


def test_gated_with_token_from_env(hub, model_dir, monkeypatch):
    hub.hub.gated_token = "hf_secret"
    monkeypatch.setenv("HF_TOKEN", "hf_secret")

    assert download_weights(MODEL_ID, REVISION, model_dir)["files"] == len(hub.hub.files)


def test_explicit_token_wins_over_env(hub, model_dir, monkeypatch):
    hub.hub.gated_token = "hf_secret"
    monkeypatch.setenv("HF_TOKEN", "hf_wrong")

    download_weights(MODEL_ID, REVISION, model_dir, token="hf_secret")

    _assert_files_match(model_dir, hub.hub.files)


def test_token_file_in_hf_home_is_used(hub, model_dir, tmp_path):
    hub.hub.gated_token = "hf_secret"
    home = tmp_path / "hf-home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "token").write_text("hf_secret\n")

    download_weights(MODEL_ID, REVISION, model_dir)

    _assert_files_match(model_dir, hub.hub.files)


def test_explicit_endpoint_wins_over_env(hub, model_dir, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")

    download_weights(MODEL_ID, REVISION, model_dir, endpoint=hub.endpoint)

    _assert_files_match(model_dir, hub.hub.files)


def test_unreachable_endpoint_fails_fast_with_network(model_dir, monkeypatch):
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("HF_ENDPOINT", endpoint)

    started = time.monotonic()
    with pytest.raises(DownloadError) as caught:
        download_weights(MODEL_ID, REVISION, model_dir)

    assert time.monotonic() - started < 10
    assert caught.value.reason == Reason.NETWORK
    message = str(caught.value)
    assert endpoint in message and "HF_ENDPOINT" in message and _local_dir(model_dir) in message


def test_disk_full_is_reported_before_downloading(hub, model_dir, monkeypatch):
    monkeypatch.setattr(files, "free_bytes", lambda path: 1000)

    with pytest.raises(DownloadError) as caught:
        download_weights(MODEL_ID, REVISION, model_dir)

    assert caught.value.reason == Reason.DISK_FULL
    assert "disk full at" in str(caught.value) and "free " in str(caught.value)
    assert not [r for r in hub.hub.requests if "/resolve/" in r.path]


def test_disk_full_during_download_is_translated(tmp_path):
    settings = download.Settings(endpoint="http://mirror.invalid", token=None, cache_dir=str(tmp_path))
    error = OSError(errno.ENOSPC, "No space left on device")

    translated = download.translate_error(error, MODEL_ID, REVISION, settings, str(tmp_path))

    assert translated.reason == Reason.DISK_FULL
    assert f"disk full at {tmp_path}" in str(translated)


def test_unexpected_errors_are_not_disguised(tmp_path):
    settings = download.Settings(endpoint="http://mirror.invalid", token=None, cache_dir=str(tmp_path))

    assert download.translate_error(KeyError("bug"), MODEL_ID, REVISION, settings, str(tmp_path)) is None


def test_hub_server_error(hub, model_dir):
    hub.hub.api_status = 503

    with pytest.raises(DownloadError) as caught:
        download_weights(MODEL_ID, REVISION, model_dir)

    assert caught.value.reason == Reason.HUB_ERROR
    assert "503" in str(caught.value)


def test_partial_files_of_a_killed_download_are_removed(hub, model_dir):
    partial_dir = os.path.join(_local_dir(model_dir), ".cache", "huggingface", "download")
    os.makedirs(partial_dir)
    partial = os.path.join(partial_dir, "abc123.etag.deadbeef.incomplete")
    with open(partial, "wb") as f:
        f.write(b"x" * 4096)

    download_weights(MODEL_ID, REVISION, model_dir)

    assert not os.path.exists(partial)
    _assert_files_match(model_dir, hub.hub.files)


def test_concurrent_calls_download_once(hub, model_dir):
    results, errors = [], []

    def run():
        try:
            results.append(download_weights(MODEL_ID, REVISION, model_dir))
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert sorted(r["skipped"] for r in results) == [False, True]
    assert len(_file_gets(hub, "model-00001-of-00001.safetensors")) == 1


def test_listing_with_paths_outside_the_model_dir_is_refused(hub, model_dir):
    hub.hub.files["../victim.txt"] = b"the server says this is longer"
    victim = os.path.join(model_dir, "Qwen", "victim.txt")
    os.makedirs(os.path.dirname(victim))
    with open(victim, "wb") as f:
        f.write(b"mine")

    with pytest.raises(DownloadError) as caught:
        download_weights(MODEL_ID, REVISION, model_dir)

    assert caught.value.reason == Reason.HUB_ERROR
    with open(victim, "rb") as f:
        assert f.read() == b"mine"


def test_new_revision_is_not_skipped(hub, model_dir):
    download_weights(MODEL_ID, REVISION, model_dir)
    hub.hub.requests.clear()

    download_weights(MODEL_ID, COMMIT, model_dir)  # same files, but the manifest is for another revision name

    assert hub.hub.requests  # went online to check
    assert download.read_manifest(_local_dir(model_dir))["revision"] == COMMIT


@pytest.mark.parametrize("bad", ["", "../escape", "a/b/c", "/abs", "a/.."])
def test_bad_model_id(bad, model_dir):
    with pytest.raises(DownloadError) as caught:
        download_weights(bad, REVISION, model_dir)
    assert caught.value.reason == Reason.BAD_ARGUMENT


def test_java_entry_point_returns_the_summary(hub, model_dir):
    reports = []

    class Sink:
        def report(self, done, total):
            reports.append((done, total))

    answer = download.download_for_java(MODEL_ID, REVISION, model_dir, progress_sink=Sink())
    assert answer["skipped"] is False
    assert answer["path"] == _local_dir(model_dir)
    assert reports and reports[-1][0] == reports[-1][1]
    again = download.download_for_java(MODEL_ID, REVISION, model_dir)
    assert again["skipped"] is True


def test_java_entry_point_raises_download_errors_with_their_reason(hub, model_dir):
    with pytest.raises(DownloadError) as caught:
        download.download_for_java(MODEL_ID, "no-such-rev", model_dir)
    error = caught.value
    assert isinstance(error, BridgeError)
    domain, reason, details = classify(error)
    assert (domain, reason) == ("download", Reason.UNKNOWN_REVISION)
    assert details == {"model_id": MODEL_ID, "revision": "no-such-rev"}
    assert MODEL_ID in str(error) and "no-such-rev" in str(error)
