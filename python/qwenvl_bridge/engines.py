"""The registry of open engines: each ``vllm.LLM`` and the watch of its processes, by the integer
id Java holds (Python objects never cross to Java). :mod:`qwenvl_bridge.engine` opens and closes
engines; :mod:`qwenvl_bridge.stream` runs their request loops. Both read this registry, so neither
imports the other's internals."""

import itertools

from . import enginewatch

_engines = {}
_watches = {}  # engine id -> the EngineWatch of its processes
_next_id = itertools.count(1)


def register(llm):
    """Adds ``llm``, starts watching its processes; returns its id."""
    engine_id = next(_next_id)
    _engines[engine_id] = llm
    _watches[engine_id] = enginewatch.EngineWatch(llm, label=str(engine_id)).start()
    return engine_id


def llm(engine_id):
    try:
        return _engines[engine_id]
    except KeyError:
        raise KeyError(f"no engine with id {engine_id}: it was closed or never started") from None


def watch(engine_id):
    """The engine's :class:`~qwenvl_bridge.enginewatch.EngineWatch`, or ``None``."""
    return _watches.get(engine_id)


def remove(engine_id):
    """Forgets the engine; returns ``(llm, watch)``, each ``None`` when unknown."""
    return _engines.pop(engine_id, None), _watches.pop(engine_id, None)


def count():
    return len(_engines)


def open_llms():
    """The open engines' ``vllm.LLM`` objects, in start order (for tests that look inside one)."""
    return list(_engines.values())
