"""A vLLM engine's close without vLLM's "force killing remaining process EngineCore".

vLLM's close sends SIGTERM to the engine core and waits 5 s for it, then kills it. The core, on a
CPU (and on every multi-process executor), first closes its worker's "death pipe" and waits
``VLLM_WORKER_SHUTDOWN_TIMEOUT_SECONDS`` (5 s by default) for the worker to leave, then sends it
SIGTERM. Both waits are 5 s, nested: when the worker does not leave on the closed pipe at once
(it did not, on every close measured here), the core is still waiting for it when the parent's
5 s run out, and the parent kills the core, and the worker with it (vLLM issue 55632 describes the
same nesting on ROCm). Every clean run ended with that WARN and took 5 s to close.

:func:`stop_workers` sends the engine's workers the SIGTERM the core would send them 5 s later,
right before the close: their handler (vLLM's own) ends their loop and runs their cleanup, the
core finds them gone, exits at once, and the parent's wait ends well inside its 5 s.
"""

import logging
import os
import signal

log = logging.getLogger(__name__)


def _workers(core_pids):
    try:
        import psutil
    except ImportError:
        return []
    found = []
    for pid in core_pids:
        try:
            children = psutil.Process(pid).children(recursive=True)
        except psutil.Error:
            continue
        for child in children:
            try:
                text = " ".join([child.name()] + child.cmdline())
            except psutil.Error:
                continue
            if "VLLM::Worker" in text or "VllmWorker" in text:
                found.append(child.pid)
    return found


def stop_workers(core_pids):
    """Sends SIGTERM to the vLLM worker processes under the engine cores ``core_pids``; returns
    their pids."""
    pids = _workers(core_pids)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    if pids:
        log.debug("sent SIGTERM to the engine's workers %s before closing it", pids)
    return pids
