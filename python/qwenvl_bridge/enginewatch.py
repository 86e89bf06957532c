"""Notices the death of vLLM's engine-core process and ends the calls that wait for it.

vLLM's ``LLM`` runs its engine core in a child process and waits for its outputs on a queue
(``SyncMPClient.outputs_queue``). When that process is killed (an OOM killer, a GPU fault,
``kill -9``), vLLM's own monitor thread marks the client dead and closes its sockets, but puts
nothing on the queue: a ``generate`` in progress waits forever. vLLM's signal-based notice does
not help either: Python signal handlers run only in the interpreter's main thread, and the
embedded interpreter's thread (JEP's) is not it.

:class:`EngineWatch` waits on the process sentinels on its own thread; when a process ends it
records who died and how (:class:`Death`), marks the client dead, fails pending utility calls
and puts an :class:`EngineDied` on the output queue, so the waiting call raises within moments.
The engine bridge then raises :class:`EngineDied` for that call and every later one.
"""

import logging
import multiprocessing.connection
import os
import signal
import threading
import time

from .errors import EngineError

log = logging.getLogger(__name__)


class Death:
    """Which engine process ended, and how (``exitcode`` as multiprocessing gives it: a negative
    number is the signal that killed it; ``None`` when it could not be read)."""

    def __init__(self, name, pid, exitcode):
        self.name = name
        self.pid = pid
        self.exitcode = exitcode

    @property
    def signal_name(self):
        if self.exitcode is None or self.exitcode >= 0:
            return None
        try:
            return signal.Signals(-self.exitcode).name
        except ValueError:
            return f"signal {-self.exitcode}"

    def how(self):
        if self.exitcode is None:
            return "ended (exit status unknown)"
        if self.exitcode < 0:
            return f"was killed by signal {-self.exitcode} ({self.signal_name})"
        return f"exited with code {self.exitcode}"

    def describe(self):
        return (
            f"vLLM's engine process {self.name} (pid {self.pid}) {self.how()} while the engine was in use; "
            "the engine cannot answer any more requests: start a new one (QwenVL.setup() restarts it)"
        )

    def as_dict(self):
        """The death for Java, by name: ``process``, ``pid``, ``exit_code`` (None when killed by a
        signal or unknown), ``signal`` (its name, or None) and ``message``."""
        code = self.exitcode if self.exitcode is not None and self.exitcode >= 0 else None
        return {"process": self.name, "pid": self.pid, "exit_code": code, "signal": self.signal_name,
                "message": self.describe()}


class EngineDied(EngineError, RuntimeError):
    """vLLM's engine-core process ended while the engine was in use (reason ``ENGINE_DIED``; its
    details name the process, pid, exit code and signal, so Java's exception carries the cause)."""

    def __init__(self, death):
        details = death.as_dict()
        details.pop("message")
        super().__init__(EngineError.ENGINE_DIED, death.describe(), **details)
        self.death = death


def engine_processes(llm):
    """The child processes an ``LLM`` depends on (``multiprocessing`` process objects): its
    engine core(s). Empty when the engine runs in-process (``VLLM_ENABLE_V1_MULTIPROCESSING=0``)."""
    client = _client(llm)
    manager = getattr(getattr(client, "resources", None), "engine_manager", None)
    return list(getattr(manager, "processes", None) or [])


def _client(llm):
    return getattr(getattr(llm, "llm_engine", None), "engine_core", None)


class EngineWatch:
    """Watches the engine processes of one ``LLM`` on a daemon thread (see the module notes)."""

    def __init__(self, llm, label="engine"):
        self._client = _client(llm)
        self._processes = engine_processes(llm)
        self._label = label
        self._death = None
        self._stop_read, self._stop_write = multiprocessing.connection.Pipe(duplex=False)
        self._thread = None

    @property
    def pids(self):
        return [[p.pid, p.name] for p in self._processes]

    def any_exited(self):
        """Whether a watched process has exited (without waiting)."""
        sentinels = [p.sentinel for p in self._processes]
        return bool(sentinels) and bool(multiprocessing.connection.wait(sentinels, timeout=0))

    @property
    def death(self):
        """The :class:`Death` seen, or ``None`` while every process lives."""
        return self._death

    def start(self):
        if not self._processes:
            return self
        self._thread = threading.Thread(target=self._run, name=f"qwenvl-enginewatch-{self._label}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops watching (before a deliberate shutdown, which is not a death)."""
        try:
            self._stop_write.send_bytes(b"stop")
        except OSError:
            pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        for conn in (self._stop_read, self._stop_write):
            conn.close()

    def _run(self):
        by_sentinel = {p.sentinel: p for p in self._processes}
        try:
            ready = multiprocessing.connection.wait(list(by_sentinel) + [self._stop_read])
        except OSError:  # the stop pipe was closed under us: stopping
            return
        dead = [by_sentinel[s] for s in ready if s in by_sentinel]
        if not dead:
            return  # stopped
        proc = dead[0]
        # Reaps it, so the exit code is known. vLLM's own monitor thread may reap it first: then
        # this join finds nothing to reap and returns at once, and the code appears on the shared
        # process object only once that thread runs again. Sleeping between tries lets it run
        # (without the sleep these tries used to end in a millisecond: "exit status unknown").
        for _ in range(100):
            proc.join(timeout=0.05)
            if proc.exitcode is not None:
                break
            time.sleep(0.05)
        self._death = Death(proc.name, proc.pid, proc.exitcode)
        log.error("%s", self._death.describe())
        self.unblock()

    def unblock(self):
        """Makes every call waiting on the dead engine raise :class:`EngineDied`."""
        client, error = self._client, EngineDied(self._death)
        resources = getattr(client, "resources", None)
        if resources is not None:
            resources.engine_dead = True
        for future in list((getattr(client, "utility_results", None) or {}).values()):
            try:
                if not future.done():
                    future.set_exception(error)
            except Exception:  # noqa: BLE001 - a future finished meanwhile
                pass
        queue = getattr(client, "outputs_queue", None)
        if queue is not None:
            queue.put_nowait(error)


def death_of(watch, error=None):
    """The :class:`EngineDied` for a call that failed (or is about to run) on a watched engine,
    or ``None`` when its processes live. Waits briefly for the watch thread when ``error`` is a
    vLLM ``EngineDeadError`` (vLLM's monitor may notice first)."""
    if watch is None:
        return None
    if watch.death is None and error is not None and (
        type(error).__name__ == "EngineDeadError" or watch.any_exited()
    ):
        # The call failed on a process that is already gone (vLLM's monitor, or a write to the
        # dead core's pipe, may see it first): the watch names the death a moment later.
        thread = watch._thread  # noqa: SLF001 - same module family
        if thread is not None:
            thread.join(timeout=3)
    if watch.death is None:
        return None
    return EngineDied(watch.death)


def pid_alive(pid):
    """Whether a process with ``pid`` exists (used by tests)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
