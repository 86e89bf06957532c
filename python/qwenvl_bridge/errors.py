"""The one way the Python half reports a failure Java must tell apart: an exception with a reason.

Every expected failure (a bad video, a download that cannot succeed, an engine that cannot start
or died) raises a :class:`BridgeError` subclass. Each subclass names its ``domain`` (which Java
exception family it becomes) and the ``reasons`` it may carry (the names of the Java enum or
exception kind); the message says what failed, for which input, and how to fix it; ``details``
carries the values Java needs besides the message (the video's name, the model id...).

:mod:`qwenvl_bridge.bridge` sends ``domain``, ``reason`` and ``details`` to Java with the type,
message and traceback of a failed call (see :func:`classify`), and the Java side maps them once
(``dev.qwenvl.jep.PythonBridge``). Anything else (a bug, no memory) crosses as a plain Python
exception. :func:`all_reasons` lists every reason Python can raise, so a Java test can check that
each one has a mapping.
"""

#: Domains: the Java exception family a reason becomes.
VIDEO = "video"  # dev.qwenvl.video.VideoInputException
DOWNLOAD = "download"  # dev.qwenvl.model.WeightsDownloadException
ENGINE = "engine"  # dev.qwenvl.engine.EngineException and its subclasses


class BridgeError(Exception):
    """A failure Java reports as a typed exception.

    Args:
        reason: one of the subclass's :attr:`reasons`.
        message: what failed, for which input, and how to fix it.
        details: plain values (str, int, float, bool, None) Java needs besides the message.
    """

    #: The Java exception family (:data:`VIDEO`, :data:`DOWNLOAD` or :data:`ENGINE`); set by subclasses.
    domain = None
    #: The reasons this subclass may carry; set by subclasses.
    reasons = ()

    def __init__(self, reason, message, **details):
        if self.domain is None:
            raise TypeError(f"{type(self).__name__} names no domain: raise a BridgeError subclass")
        if reason not in self.reasons:
            raise ValueError(f"{type(self).__name__} has no reason {reason!r}; known: {', '.join(self.reasons)}")
        super().__init__(message)
        self.reason = reason
        self.details = details


class EngineError(BridgeError):
    """The engine cannot start or answer (``dev.qwenvl.engine`` exceptions)."""

    domain = ENGINE
    #: vllm cannot be imported, or its version is not supported (EngineUnavailableException).
    ENGINE_UNAVAILABLE = "ENGINE_UNAVAILABLE"
    #: the user asked vLLM to fork the JVM (UnsafeStartMethodException).
    UNSAFE_START_METHOD = "UNSAFE_START_METHOD"
    #: vLLM's engine process died (EngineDiedException).
    ENGINE_DIED = "ENGINE_DIED"
    reasons = (ENGINE_UNAVAILABLE, UNSAFE_START_METHOD, ENGINE_DIED)


#: Exceptions that cannot derive from :class:`BridgeError` (vLLM's own ``EngineDeadError``) or
#: whose modules keep their own base classes, by class name: the reason each one carries.
FOREIGN = {
    "VllmNotInstalled": (ENGINE, EngineError.ENGINE_UNAVAILABLE),
    "VllmVersionUnsupported": (ENGINE, EngineError.ENGINE_UNAVAILABLE),
    "EngineDied": (ENGINE, EngineError.ENGINE_DIED),
    "EngineDeadError": (ENGINE, EngineError.ENGINE_DIED),
}


def classify(error):
    """``(domain, reason, details)`` of an exception Java reports as a typed one, else ``None``."""
    if isinstance(error, BridgeError):
        return error.domain, error.reason, {str(k): _plain(v) for k, v in error.details.items()}
    for kind in type(error).__mro__:
        known = FOREIGN.get(kind.__name__)
        if known is not None:
            return known[0], known[1], {}
    return None


def _plain(value):
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def all_reasons():
    """``[[domain, reason], ...]``: every reason the Python half can raise (for Java's mapping test)."""
    from . import start_method, video  # noqa: F401 - define their BridgeError subclasses
    from .weights import errors as _weights_errors  # noqa: F401

    found = []
    pending = [BridgeError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if kind.domain is not None:
            found.extend([kind.domain, r] for r in kind.reasons)
    found.extend([domain, reason] for domain, reason in FOREIGN.values())
    unique = []
    for pair in found:
        if pair not in unique:
            unique.append(pair)
    return sorted(unique)


def foreign_types():
    """The class names :data:`FOREIGN` maps (for Java's mapping test)."""
    return sorted(FOREIGN)
