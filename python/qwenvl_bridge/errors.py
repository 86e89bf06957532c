"""The one way the Python half reports a failure Java must tell apart: an exception with a reason.

Every expected failure (a bad video, a download that cannot succeed, an engine that cannot start
or died) raises a :class:`BridgeError` subclass. Each subclass names its ``domain`` (which Java
exception family it becomes) and the ``reasons`` it may carry (the names of the Java enum or
exception kind); the message says what failed, for which input, and how to fix it; ``details``
carries the values Java needs besides the message (the video's name, the model id...).

:mod:`qwenvl_bridge.bridge` sends ``domain``, ``reason`` and ``details`` to Java with the type,
message and traceback of a failed call (see :func:`classify`), and the Java side maps them once
(``dev.qwenvl.jep.PythonBridge``). Anything else (a bug, no memory) crosses as a plain Python
exception. :func:`qwenvl_bridge.reasons.all_reasons` lists every reason Python can raise, so a
Java test can check that each one has a mapping.

A request of the engine's stream (:mod:`qwenvl_bridge.stream`) that fails does not raise: its
failure travels as a value, :func:`failure`, with the same domain, reason and details, and Java
maps it with the same code as a raised one.

This module imports nothing of the package: every module that defines a reason imports it.
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
    #: a request of the stream was aborted because the engine was closed (EngineException).
    ABORTED = "ABORTED"
    #: the engine refused or failed one request alone (EngineException); the engine goes on.
    REQUEST_FAILED = "REQUEST_FAILED"
    reasons = (ENGINE_UNAVAILABLE, UNSAFE_START_METHOD, ENGINE_DIED, ABORTED, REQUEST_FAILED)


#: Exceptions that cannot derive from :class:`BridgeError` (vLLM's own ``EngineDeadError``), by
#: class name: the reason each one carries.
FOREIGN = {
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


def failure(error, engine_reason=None):
    """A failed stream request as a value: ``{"domain", "reason", "type", "message", "details"}``.

    A :class:`BridgeError` (or a :data:`FOREIGN` one) keeps its own domain, reason and details;
    any other exception becomes ``engine_reason`` (default :attr:`EngineError.REQUEST_FAILED`),
    with its type kept for the message.
    """
    kind = type(error)
    typed = classify(error)
    if typed is None:
        typed = (ENGINE, engine_reason or EngineError.REQUEST_FAILED, {})
    domain, reason, details = typed
    return {
        "domain": domain,
        "reason": reason,
        "type": f"{kind.__module__}.{kind.__qualname__}",
        "message": str(error),
        "details": details,
    }


def aborted(message):
    """The :func:`failure` value of a request aborted because its engine was closed."""
    return failure(EngineError(EngineError.ABORTED, message))


def subclasses():
    """Every :class:`BridgeError` subclass defined so far (see :mod:`qwenvl_bridge.reasons`)."""
    found, pending = [], [BridgeError]
    while pending:
        kind = pending.pop(0)
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def foreign_types():
    """The class names :data:`FOREIGN` maps (for Java's mapping test)."""
    return sorted(FOREIGN)
