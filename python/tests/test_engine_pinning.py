"""Pinning an engine to its devices (issue 15): CUDA_VISIBLE_DEVICES for one construction, and
the devices ``devices=all`` finds. A fake torch forces the GPU answers on a CPU-only machine."""

import os
import sys
import types

import pytest

from qwenvl_bridge import engine


@pytest.fixture
def no_cvd(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


def test_pinned_sets_the_devices_for_the_construction_and_removes_them_after(no_cvd):
    with engine.pinned("2,3"):
        assert os.environ["CUDA_VISIBLE_DEVICES"] == "2,3"
    assert "CUDA_VISIBLE_DEVICES" not in os.environ


def test_pinned_restores_an_earlier_value_even_when_the_construction_fails(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    with pytest.raises(RuntimeError):
        with engine.pinned("1"):
            assert os.environ["CUDA_VISIBLE_DEVICES"] == "1"
            raise RuntimeError("out of memory")
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "0,1,2,3"


def test_create_constructs_the_engine_while_pinned(monkeypatch, no_cvd):
    seen = []

    class FakeLLM:
        def __init__(self, **kwargs):
            seen.append(os.environ.get("CUDA_VISIBLE_DEVICES"))
            self.llm_engine = None

    fake = types.SimpleNamespace(LLM=FakeLLM, __version__="0.32.0")
    monkeypatch.setattr(engine.vllm_api, "import_vllm", lambda: fake)
    monkeypatch.setattr(engine.engines.enginewatch, "EngineWatch", lambda llm, label: types.SimpleNamespace(start=lambda: None))
    first = engine.create({"model": "m"}, "5")
    second = engine.create({"model": "m"})
    assert seen == ["5", None]
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
    for engine_id in (first, second):
        engine.engines.remove(engine_id)


def test_visible_devices_are_those_cuda_visible_devices_lists(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3, 5,GPU-1a2b")
    assert engine.visible_devices() == ["3", "5", "GPU-1a2b"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert engine.visible_devices() == []
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert engine.visible_devices() == []


def _fake_torch(compiled, nvml_count, cuda_count=0):
    cuda = types.SimpleNamespace(_is_compiled=lambda: compiled, _device_count_nvml=lambda: nvml_count,
                                 device_count=lambda: cuda_count)
    return types.SimpleNamespace(cuda=cuda)


def test_visible_devices_counts_gpus_through_nvml_when_the_variable_is_unset(monkeypatch, no_cvd):
    monkeypatch.setitem(sys.modules, "torch", _fake_torch(True, 8))
    assert engine.visible_devices() == [str(i) for i in range(8)]
    monkeypatch.setitem(sys.modules, "torch", _fake_torch(True, -1, cuda_count=2))
    assert engine.visible_devices() == ["0", "1"], "NVML unavailable: CUDA's own count"


def test_visible_devices_is_empty_on_a_torch_without_cuda(monkeypatch, no_cvd):
    monkeypatch.setitem(sys.modules, "torch", _fake_torch(False, 8))
    assert engine.visible_devices() == []


def test_start_create_builds_on_its_own_thread_and_created_reports_the_id_or_the_error(monkeypatch, no_cvd):
    import threading
    import time

    release = threading.Event()
    seen = []

    class SlowLLM:
        def __init__(self, **kwargs):
            seen.append((threading.current_thread().name, os.environ.get("CUDA_VISIBLE_DEVICES")))
            release.wait(10)
            if kwargs.get("model") == "broken":
                raise OSError("no config.json in broken")
            self.llm_engine = None

    fake = types.SimpleNamespace(LLM=SlowLLM, __version__="0.32.0")
    monkeypatch.setattr(engine.vllm_api, "import_vllm", lambda: fake)
    monkeypatch.setattr(engine.engines.enginewatch, "EngineWatch", lambda llm, label: types.SimpleNamespace(start=lambda: None))
    ticket = engine.start_create({"model": "m"}, "1")
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.created(ticket) is None, "still being built; this thread is free meanwhile"
    assert seen[0][0].startswith("qwenvl-engine-start-") and seen[0][1] == "1"
    release.set()
    deadline = time.monotonic() + 5
    engine_id = None
    while engine_id is None and time.monotonic() < deadline:
        engine_id = engine.created(ticket)
        time.sleep(0.01)
    assert isinstance(engine_id, int) and engine.engines.llm(engine_id) is not None
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
    engine.engines.remove(engine_id)

    failing = engine.start_create({"model": "broken"})
    deadline = time.monotonic() + 5
    with pytest.raises(OSError, match="no config.json in broken"):
        while time.monotonic() < deadline:
            if engine.created(failing) is None:
                time.sleep(0.01)
