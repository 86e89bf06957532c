"""How vLLM starts its processes inside the embedded interpreter: always ``spawn``, never ``fork``.

vLLM reads ``VLLM_WORKER_MULTIPROC_METHOD`` (default ``fork``) when it starts its engine-core and
worker processes. On a CPU, vLLM's CPU platform switches to ``spawn`` itself; on CUDA it keeps
``fork`` unless CUDA was already initialised in the parent. Forking the JVM that hosts this
interpreter is unsafe (only the forking thread survives in the child, while the JVM's locks, GC
and JIT threads do not), and the forked child inherits JEP's redirected ``sys.stdout``, so vLLM's
engine core fails at start. :func:`require_spawn` runs before vLLM is imported.
"""

import os

from .errors import EngineError

#: vLLM's variable for the start method of its processes.
VARIABLE = "VLLM_WORKER_MULTIPROC_METHOD"
SPAWN = "spawn"


class UnsafeStartMethod(EngineError, RuntimeError):
    """The user asked vLLM to fork the process that hosts the JVM (Java: ``UnsafeStartMethodException``)."""

    def __init__(self, message):
        super().__init__(EngineError.UNSAFE_START_METHOD, message)


def require_spawn(environ=None):
    """Sets the start method to ``spawn`` when none is chosen; refuses ``fork``.

    Returns the method vLLM will use. Other values (``forkserver``) are vLLM's to accept or reject.
    """
    environ = os.environ if environ is None else environ
    chosen = environ.get(VARIABLE, "").strip()
    if not chosen:
        environ[VARIABLE] = SPAWN
        return SPAWN
    if chosen.lower() == "fork":
        raise UnsafeStartMethod(
            f"{VARIABLE}=fork: vLLM would fork the Java process that embeds Python, which is unsafe "
            f"(the JVM's threads and locks do not survive a fork) and fails at start because JEP's "
            f"redirected stdout has no file descriptor: unset {VARIABLE} (the library then uses spawn) "
            f"or set {VARIABLE}=spawn"
        )
    return chosen
