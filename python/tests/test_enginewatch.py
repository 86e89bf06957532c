"""The engine watch against a real process (a spawned sleeper) and a client shaped like vLLM's."""

import multiprocessing
import os
import queue
import signal
import time
from concurrent.futures import Future

import pytest

from qwenvl_bridge import enginewatch


def _sleep_forever():
    time.sleep(3600)


class _Client:
    """vLLM's SyncMPClient as the watch sees it: processes, output queue, utility futures."""

    def __init__(self, processes):
        manager = type("Manager", (), {"processes": processes})()
        self.resources = type("Resources", (), {"engine_manager": manager, "engine_dead": False})()
        self.outputs_queue = queue.Queue()
        self.utility_results = {}


class _Llm:
    def __init__(self, client):
        self.llm_engine = type("Engine", (), {"engine_core": client})()


@pytest.fixture
def core():
    proc = multiprocessing.get_context("spawn").Process(target=_sleep_forever, name="EngineCore")
    proc.start()
    yield proc
    if proc.is_alive():
        proc.kill()
    proc.join(5)


def test_a_killed_core_wakes_the_waiting_call_with_its_signal_and_fails_pending_utilities(core):
    client = _Client([core])
    pending = Future()
    client.utility_results[1] = pending
    watch = enginewatch.EngineWatch(_Llm(client)).start()
    assert watch.pids == [[core.pid, "EngineCore"]]
    os.kill(core.pid, signal.SIGKILL)
    woken = client.outputs_queue.get(timeout=10)  # what vLLM's get_output() is blocked on
    assert isinstance(woken, enginewatch.EngineDied)
    assert f"EngineCore (pid {core.pid}) was killed by signal 9 (SIGKILL)" in str(woken)
    assert client.resources.engine_dead
    assert isinstance(pending.exception(timeout=1), enginewatch.EngineDied)
    assert watch.death.as_dict() == {"process": "EngineCore", "pid": core.pid, "exit_code": None, "signal": "SIGKILL",
                                     "message": watch.death.describe()}
    assert isinstance(enginewatch.death_of(watch), enginewatch.EngineDied)


class _ReapedByAnotherThread:
    """A core process as the watch sees it when vLLM's monitor thread reaped it first: its
    sentinel fires, ``join`` finds nothing left to reap and returns at once, and the exit code
    appears on the process object only when that other thread stores it, ``delay`` seconds after
    the death."""

    def __init__(self, proc, delay):
        self._proc, self._delay, self._died_at = proc, delay, None
        self.name, self.pid, self.sentinel = proc.name, proc.pid, proc.sentinel

    def join(self, timeout=None):
        if self._died_at is None:
            self._died_at = time.monotonic()

    @property
    def exitcode(self):
        if self._died_at is None or time.monotonic() - self._died_at < self._delay:
            return None
        return -signal.SIGKILL


def test_a_core_reaped_by_another_thread_is_named_with_the_signal_that_thread_stores(core):
    client = _Client([_ReapedByAnotherThread(core, delay=0.5)])
    watch = enginewatch.EngineWatch(_Llm(client)).start()
    os.kill(core.pid, signal.SIGKILL)
    woken = client.outputs_queue.get(timeout=10)
    assert f"EngineCore (pid {core.pid}) was killed by signal 9 (SIGKILL)" in str(woken), str(woken)
    assert watch.death.signal_name == "SIGKILL"


def test_an_exit_code_is_named_and_a_stopped_watch_reports_nothing(core):
    death = enginewatch.Death("EngineCore", 42, 3)
    assert "EngineCore (pid 42) exited with code 3" in death.describe()
    assert death.signal_name is None
    client = _Client([core])
    watch = enginewatch.EngineWatch(_Llm(client)).start()
    watch.stop()
    core.terminate()
    core.join(5)
    time.sleep(0.2)
    assert watch.death is None and client.outputs_queue.empty()
    assert enginewatch.death_of(watch) is None


def test_an_in_process_engine_has_nothing_to_watch():
    watch = enginewatch.EngineWatch(_Llm(object())).start()
    assert watch.pids == [] and watch.death is None
    watch.stop()


def test_a_call_that_fails_on_a_core_already_dead_is_named_a_death_even_before_the_watch_sees_it(core):
    watch = enginewatch.EngineWatch(_Llm(_Client([core]))).start()
    assert enginewatch.death_of(watch, BrokenPipeError(32, "Broken pipe")) is None  # core alive: an ordinary error
    os.kill(core.pid, signal.SIGKILL)
    core.join(5)  # gone, whether or not the watch thread has recorded it yet
    died = enginewatch.death_of(watch, BrokenPipeError(32, "Broken pipe"))
    assert isinstance(died, enginewatch.EngineDied) and "SIGKILL" in str(died)
