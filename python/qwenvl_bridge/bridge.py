"""Entry point of every call from Java.

Java calls :func:`call` with a module name, a function name and the arguments as values (never as
source text). Java collections arrive as JEP proxies and are turned into plain ``list``/``dict``
here, so the called code sees ordinary Python data. When the call raises, the exception's type,
message and formatted traceback are kept until Java collects them with :func:`take_last_error`,
so that Java can raise an exception that carries all three.
"""

import importlib
import logging
import sys
import traceback

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


def describe(error):
    """``[qualified type, message, traceback]`` of an exception."""
    kind = type(error)
    name = f"{kind.__module__}.{kind.__qualname__}"
    text = "".join(traceback.format_exception(kind, error, error.__traceback__))
    return [name, str(error), text]


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
    """Forwards records to a Java sink object (``sink.log(name, levelno, message)``)."""

    def __init__(self, sink):
        super().__init__()
        self._sink = sink

    def emit(self, record):
        try:
            self._sink.log(record.name, record.levelno, self.format(record))
        except Exception:  # noqa: BLE001 - logging must never break the caller
            self.handleError(record)


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
