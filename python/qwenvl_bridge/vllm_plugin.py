"""qwenvl-jep's vLLM plugin: lets vLLM's own processes exit promptly when an engine closes.

vLLM loads every ``vllm.general_plugins`` entry point in each of its processes: the one that
builds the engine (here: the JVM's embedded interpreter), the engine core, and the workers. This
package declares one (``qwenvl_jep_vllm_plugin-*.dist-info`` beside ``qwenvl_bridge``, found
through ``sys.path``, which spawned children inherit), and :func:`register` is it.

Why. Closing an engine sends its engine core SIGTERM and waits 5 s for it; the core closes its
worker's death pipe and waits ``VLLM_WORKER_SHUTDOWN_TIMEOUT_SECONDS`` (5 s) for the worker. Both
processes leave their Python code within a second, but then spend seconds in the interpreter's
own finalization: the cyclic garbage collector walks the ~700,000 objects that torch,
transformers and vLLM keep alive (measured with ``perf``: 60-80 % of the time in
``gc_collect_main``/``visit_reachable``), once in ``Py_FinalizeEx`` and again while modules are torn
down. On a loaded 2-core machine the worker took 3-4 s and the core 2 s more, so the 5 s wait ran
out on every close and vLLM printed ``force killing remaining process EngineCore``.

What. In a child process (one started by :mod:`multiprocessing`), :func:`register` adds an
``atexit`` handler that moves every object into the collector's permanent generation
(:func:`gc.freeze`) when the process exits. Finalization then skips those full collections; the
rest of it (modules cleared, reference-counted objects and their ``__del__``, e.g. vLLM's shared
memory segments unlinking themselves) runs as before. Objects kept alive only by reference
cycles are not finalized then, which CPython never promised at exit anyway. The handler is
registered when vLLM loads plugins, before vLLM's own ``atexit`` handlers, so it runs after them.

The embedding process itself is left alone (its interpreter is the JVM's, closed by the runtime).
Setting ``VLLM_PLUGINS`` to a list without ``qwenvl_jep`` turns it off.
"""

import atexit
import gc
import logging
import multiprocessing

log = logging.getLogger(__name__)

#: The entry point's name (what ``VLLM_PLUGINS`` would list).
NAME = "qwenvl_jep"

_registered = False


def register():
    """vLLM's general-plugin hook. Returns True when this process will freeze its objects at exit
    (a vLLM child process), False in the process that embeds Python (nothing is changed there)."""
    global _registered
    if multiprocessing.parent_process() is None:
        return False
    if not _registered:
        _registered = True
        atexit.register(freeze_at_exit)
    return True


def freeze_at_exit():
    """Moves every tracked object into the permanent generation, so that the interpreter's
    finalization does not walk them again and again (the seconds vLLM's close used to wait)."""
    gc.freeze()
