"""Entry point of every call from Java.

Java calls :func:`call` with a module name, a function name and the arguments as values (never as
source text). Java collections arrive as JEP proxies and are turned into plain ``list``/``dict``
here, so the called code sees ordinary Python data. When the call raises, the exception's type,
message and formatted traceback are kept until Java collects them with :func:`take_last_error`,
so that Java can raise an exception that carries all three; a failure Java reports as a typed
exception (:class:`qwenvl_bridge.errors.BridgeError`) also carries its domain, reason and details.
"""

import collections
import importlib
import logging
import sys
import threading
import traceback

from . import errors

_last_error = None


def call(module, function, args, kwargs):
    """Imports ``module`` and returns ``module.function(*args, **kwargs)`` (arguments converted)."""
    global _last_error
    _last_error = None
    try:
        target = getattr(importlib.import_module(module), function)
        py_args = [to_python(a) for a in args]
        py_kwargs = {str(k): to_python(v) for k, v in to_python(kwargs).items()}
        return target(*py_args, **py_kwargs)
    except BaseException as error:  # noqa: BLE001 - every failure must reach Java with its details
        _last_error = describe(error)
        raise
    finally:
        flush_logs()


def describe(error):
    """An exception for Java, by name: ``type`` (qualified), ``message``, ``traceback``, and
    ``domain``, ``reason``, ``details``, which are ``None`` unless :func:`errors.classify` knows it
    (see :mod:`qwenvl_bridge.errors`)."""
    kind = type(error)
    name = f"{kind.__module__}.{kind.__qualname__}"
    text = "".join(traceback.format_exception(kind, error, error.__traceback__))
    try:
        typed = errors.classify(error)
    except Exception:  # noqa: BLE001 - describing must not fail
        typed = None
    domain, reason, details = typed if typed is not None else (None, None, None)
    return {"type": name, "message": str(error), "traceback": text, "domain": domain, "reason": reason,
            "details": details}


def take_last_error():
    """The details of the last failed :func:`call`, once; ``None`` when there are none."""
    global _last_error
    details, _last_error = _last_error, None
    return details


def _is_java(value):
    return hasattr(value, "getClass")


def to_python(value):
    """Deep-converts JEP proxies of Java maps and collections into ``dict`` and ``list``."""
    if value is None or isinstance(value, (str, bytes, bool, int, float, list, dict, tuple)):
        if isinstance(value, (list, tuple)):
            return [to_python(v) for v in value]
        if isinstance(value, dict):
            return {to_python(k): to_python(v) for k, v in value.items()}
        return value
    if _is_java(value):
        if hasattr(value, "keySet"):
            return {to_python(k): to_python(value.get(k)) for k in value.keySet()}
        if hasattr(value, "iterator") and hasattr(value, "size"):
            return [to_python(v) for v in value]
    return value


class _JavaLogHandler(logging.Handler):
    """Forwards records to a Java sink object (``sink.log(name, levelno, message)``).

    Only the interpreter's own thread (the one that installed the handler) may call into Java:
    JEP does not support Python threads calling Java. Records of other Python threads (the
    engine loop of :mod:`qwenvl_bridge.stream`, the engine watch, vLLM's threads) wait in a
    bounded buffer and reach Java at the end of the next call from Java (:func:`flush_logs`).
    """

    #: Records of other threads kept at most; older ones are dropped (and counted) beyond it.
    BUFFERED = 10000

    def __init__(self, sink):
        super().__init__()
        self._sink = sink
        self._owner = threading.get_ident()
        self._pending = collections.deque()
        self._dropped = 0

    def emit(self, record):
        try:
            if threading.get_ident() != self._owner:
                if len(self._pending) >= self.BUFFERED:
                    self._pending.popleft()
                    self._dropped += 1
                self._pending.append((record.name, record.levelno, self.format(record)))
                return
            self.flush_pending()
            self._sink.log(record.name, record.levelno, self.format(record))
        except Exception:  # noqa: BLE001 - logging must never break the caller
            self.handleError(record)

    def flush_pending(self):
        """Sends the other threads' records; only on the interpreter thread."""
        if threading.get_ident() != self._owner:
            return
        if self._dropped:
            dropped, self._dropped = self._dropped, 0
            self._sink.log(__name__, logging.WARNING, f"{dropped} log records of background threads were dropped")
        while self._pending:
            name, level, message = self._pending.popleft()
            self._sink.log(name, level, message)


def flush_logs():
    """Sends log records buffered from background threads to Java (see :class:`_JavaLogHandler`)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _JavaLogHandler):
            try:
                handler.flush_pending()
            except Exception:  # noqa: BLE001 - logging must never break the caller
                pass


def install_logging(sink, level):
    """Routes the root logger (and warnings) to ``sink`` at ``level`` (a logging level number)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _JavaLogHandler):
            root.removeHandler(handler)
    handler = _JavaLogHandler(sink)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(int(level))
    logging.captureWarnings(True)
    # Python's own sys.stdout/sys.stderr are already redirected by JEP to Java streams.
    return sys.version
