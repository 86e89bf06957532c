"""Small functions the runtime tests call from Java."""

import logging
import threading

import numpy as np

log = logging.getLogger("qwenvl_testing.probes")


def weighted_sum(n, seed):
    """sum(arange(n) * seed) computed by numpy (an exact integer)."""
    return int(np.sum(np.arange(n, dtype=np.int64) * seed))


def echo(value):
    return value


def describe(value):
    """Type name and repr of what arrived, to show conversions."""
    return [type(value).__name__, repr(value)]


def fail_three_deep(message):
    _first(message)


def _first(message):
    _second(message)


def _second(message):
    _third(message)


def _third(message):
    raise ValueError(message)


def log_records(message):
    """Logs from the calling thread and from a fresh Python thread, and prints to stdout/stderr."""
    log.warning("main-thread %s", message)
    worker = threading.Thread(target=lambda: log.warning("worker-thread %s", message))
    worker.start()
    worker.join()
    print("stdout " + message)
    import sys
    print("stderr " + message, file=sys.stderr)
    return True


def sys_executable():
    import sys
    return sys.executable


def array_info(value):
    """What a Java DirectNDArray became: type, dtype, shape, data address, writable."""
    import numpy as np

    if not isinstance(value, np.ndarray):
        return [type(value).__name__, "", [], 0, False]
    return [type(value).__name__, str(value.dtype), list(value.shape),
            int(value.__array_interface__["data"][0]), bool(value.flags.writeable)]


def poke(array, value):
    """Writes ``value`` into the first and last element of ``array`` (shows shared memory)."""
    flat = array.reshape(-1)
    flat[0] = value
    flat[-1] = value
    return True


def std_descriptors():
    """``[sys.stdout.fileno(), sys.stderr.fileno()]`` of the embedded interpreter."""
    import sys

    return [sys.stdout.fileno(), sys.stderr.fileno()]


def write_descriptor(fd, text):
    """Writes ``text`` to the OS file descriptor ``fd`` directly (no Python stream)."""
    import os

    return os.write(int(fd), text.encode("utf-8"))


def child_holding_std_streams(seconds):
    """Starts a process that keeps copies of ``sys.stdout``/``sys.stderr`` open for ``seconds`` without
    writing (as multiprocessing's resource tracker, which vLLM starts, keeps ``sys.stderr``); its pid."""
    import subprocess
    import sys

    code = "import time; time.sleep(%f)" % float(seconds)
    return subprocess.Popen([sys.executable, "-c", code], stdout=sys.stdout, stderr=sys.stderr).pid


def raise_reason(domain, reason):
    """Raises the Python half's own exception for ``reason`` in ``domain`` (the Java mapping test):
    the BridgeError subclass that declares it, else a class of the name ``errors.FOREIGN`` maps.
    Videos are named ``probe-source`` with detail ``the detail``; downloads are for ``a/b`` at
    ``r1``; every message is ``the message``."""
    from qwenvl_bridge import errors, reasons  # noqa: F401 - reasons imports every module that defines one
    kinds, pending = [], [errors.BridgeError]
    while pending:
        kind = pending.pop(0)
        pending.extend(kind.__subclasses__())
        if kind.domain == domain and reason in kind.reasons:
            kinds.append(kind)
    if not kinds:
        raise_foreign(next(n for n, known in errors.FOREIGN.items() if known == (domain, reason)))
    kind = kinds[0]  # the most general class that declares the reason
    if domain == errors.VIDEO:
        raise kind(reason, "probe-source", "the detail")
    if domain == errors.DOWNLOAD:
        raise kind(reason, "the message", model_id="a/b", revision="r1")
    raise kind(reason, "the message")


def raise_foreign(name):
    """Raises an exception of class ``name`` (a stand-in for one :data:`errors.FOREIGN` maps by name)."""
    raise type(str(name), (RuntimeError,), {})("the message")


def foreign_types():
    from qwenvl_bridge import errors

    return errors.foreign_types()


def stream_failure(domain, reason):
    """The value the engine's stream answers a failed request with (``errors.failure``), for the
    same reasons :func:`raise_reason` raises: ``{"id": 1, "text": None, ..., "failure": {...}}``."""
    try:
        raise_reason(domain, reason)
    except Exception as error:  # noqa: BLE001 - the failure becomes a value, as in the stream
        from qwenvl_bridge import errors

        return {"id": 1, "text": None, "prompt_tokens": 0, "output_tokens": 0, "failure": errors.failure(error)}


def raise_engine_died(process, pid, exitcode):
    """Raises the engine watch's death notice for a process that ended with ``exitcode``."""
    from qwenvl_bridge import enginewatch

    raise enginewatch.EngineDied(enginewatch.Death(process, int(pid), int(exitcode)))
