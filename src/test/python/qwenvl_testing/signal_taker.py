"""Test-only: a native library taking one of the JVM's signals, as libtvm_ffi.so does for SIGSEGV.

:func:`take` installs libc's ``_exit`` as the handler of a signal through ``sigaction`` (so that a
signal the JVM raises itself would end the process with the signal number as exit status instead
of being handled), with other flags than HotSpot's; the library under test must put the JVM's
handler back.
"""

import ctypes
import signal

from qwenvl_bridge import signals


def take(name):
    """Installs libc's ``_exit`` for signal ``name`` (e.g. ``"SIGSEGV"``); returns the library
    ``dladdr`` names for the new handler."""
    libc = ctypes.CDLL(None, use_errno=True)
    action = signals._SigAction()  # noqa: SLF001 - the layout under test
    action.handler = ctypes.cast(libc._exit, ctypes.c_void_p).value
    action.flags = 0x40000000  # SA_RESTART only: HotSpot's has SA_SIGINFO | SA_ONSTACK | SA_RESTART
    for i in range(len(action.mask)):
        action.mask[i] = 0
    libc.sigaction.argtypes = [ctypes.c_int, ctypes.POINTER(signals._SigAction), ctypes.c_void_p]  # noqa: SLF001
    if libc.sigaction(int(getattr(signal, name)), ctypes.byref(action), None) != 0:
        raise OSError(ctypes.get_errno(), "sigaction failed")
    return signals.library_of(action.handler)


def python_takes(name):
    """``signal.signal(name, handler)`` from Python code; returns what it returned, as a string."""
    def handler(signum, frame):  # pragma: no cover - never called
        pass

    try:
        return repr(signal.signal(getattr(signal, name), handler))
    except ValueError as error:
        return f"ValueError: {error}"


def python_takes_unguarded(name):
    """What CPython's own ``signal.signal`` answers here (the interpreter's thread is not CPython's
    main thread inside JEP)."""
    def handler(signum, frame):  # pragma: no cover - never called
        pass

    original = getattr(signal.signal, "__wrapped__", signal.signal)
    try:
        return repr(original(getattr(signal, name), handler))
    except ValueError as error:
        return f"ValueError: {error}"
