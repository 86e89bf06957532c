"""Keeps the JVM's signal handlers in place while vLLM and its native libraries load and run.

The embedded interpreter lives inside a JVM, and HotSpot owns a set of signals: it raises SIGSEGV
on purpose (implicit null checks in compiled code, safepoint polls, stack banging), uses SIGBUS,
SIGFPE, SIGILL the same way, suspends threads with SIGUSR2, prints thread dumps on SIGQUIT, runs
shutdown hooks on SIGINT/SIGTERM/SIGHUP and ignores SIGPIPE/SIGXFSZ through its own handler.
Native code that vLLM loads may install handlers over these: ``libtvm_ffi.so`` installs one for
SIGSEGV in a load-time constructor, so the JVM's next NullPointerException thrown from
JIT-compiled code would kill the process.

:func:`record` saves the dispositions (the whole ``struct sigaction``: handler, flags, mask) once,
before anything native from vLLM loads; :func:`restore` compares them after every step that can
change them (importing vLLM, starting an engine, the first generate, a restart; and every half
second on a watcher thread, for libraries that load later on other threads) and puts back every
one that changed, with one WARN naming the signal and the library that took it (``dladdr`` on the
handler's address). When the JDK's ``libjsig`` is preloaded, other libraries' handlers are
already chained behind the JVM's: nothing is recorded or restored then.

:func:`guard_python_signals` keeps Python code from taking the JVM's process signals
(SIGINT, SIGTERM, SIGHUP, SIGQUIT) through :func:`signal.signal`: such a call is skipped, with one
WARN naming the caller, and returns the handler Python had before.

Linux on x86_64 and aarch64 only (the layout of ``struct sigaction`` in glibc); elsewhere every
function here does nothing.
"""

import ctypes
import logging
import platform
import signal
import sys
import threading
import traceback

log = logging.getLogger(__name__)

#: The signals whose handlers HotSpot installs on Linux (x86_64/aarch64): the ones it raises or
#: uses itself, and the process signals of shutdown hooks and thread dumps. SIGTRAP is HotSpot's
#: only on ppc64, so it is not watched here.
JVM_SIGNALS = ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGUSR2", "SIGQUIT", "SIGINT", "SIGTERM", "SIGHUP",
               "SIGPIPE", "SIGXFSZ")

#: The signals that end or inspect the process as a whole: Python code may not take them.
PROCESS_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")

#: Seconds between two looks of the watcher thread.
WATCH_SECONDS = 0.5

_SIG_DFL, _SIG_IGN = 0, 1
_SA_RESTORER = 0x04000000  # set by glibc itself on every sigaction call


class _SigAction(ctypes.Structure):
    """glibc's ``struct sigaction`` on Linux x86_64 and aarch64 (152 bytes)."""

    _fields_ = [
        ("handler", ctypes.c_void_p),  # sa_handler / sa_sigaction
        ("mask", ctypes.c_ulong * 16),  # sigset_t: 1024 bits
        ("flags", ctypes.c_int),
        ("restorer", ctypes.c_void_p),
    ]


class _DlInfo(ctypes.Structure):
    _fields_ = [
        ("fname", ctypes.c_char_p),
        ("fbase", ctypes.c_void_p),
        ("sname", ctypes.c_char_p),
        ("saddr", ctypes.c_void_p),
    ]


_lock = threading.RLock()
_libc = None
_saved = None  # signal number -> _SigAction as recorded (the JVM's)
_jsig = None  # True when libjsig is preloaded
_warned = set()  # (signal number, library) already reported
_restored = []  # [step, signal name, library] of every restore, for diagnostics and tests
_watcher = None
_guard_installed = False
_python_refused = []  # [signal name, caller] of every skipped signal.signal call


def supported():
    """Whether dispositions can be read here (Linux on x86_64 or aarch64)."""
    return sys.platform.startswith("linux") and platform.machine() in ("x86_64", "aarch64", "arm64")


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.sigaction.argtypes = [ctypes.c_int, ctypes.POINTER(_SigAction), ctypes.POINTER(_SigAction)]
        _libc.sigaction.restype = ctypes.c_int
    return _libc


def libjsig_preloaded():
    """Whether the JDK's signal-chaining library is in the process (it exports
    ``JVM_begin_signal_setting``, which HotSpot looks for to chain other libraries' handlers)."""
    global _jsig
    if _jsig is None:
        try:
            _jsig = hasattr(_c(), "JVM_begin_signal_setting")
        except OSError:
            _jsig = False
    return _jsig


def _numbers():
    return [(name, int(getattr(signal, name))) for name in JVM_SIGNALS if hasattr(signal, name)]


def _read(signum):
    current = _SigAction()
    if _c().sigaction(signum, None, ctypes.byref(current)) != 0:
        raise OSError(ctypes.get_errno(), f"sigaction({signum}) could not be read")
    return current


def _write(signum, action):
    if _c().sigaction(signum, ctypes.byref(action), None) != 0:
        raise OSError(ctypes.get_errno(), f"sigaction({signum}) could not be set")


def _same(a, b):
    return (a.handler or 0) == (b.handler or 0) and (a.flags & ~_SA_RESTORER) == (b.flags & ~_SA_RESTORER) \
        and a.mask[0] == b.mask[0]  # the kernel's signal set is 64 bits; glibc may leave the rest unset


def library_of(address):
    """The file of the shared object that holds ``address`` (``dladdr``); ``SIG_DFL``/``SIG_IGN``
    for those dispositions; None when it cannot be told."""
    address = address or 0
    if address == _SIG_DFL:
        return "SIG_DFL"
    if address == _SIG_IGN:
        return "SIG_IGN"
    info = _DlInfo()
    try:
        dladdr = _c().dladdr
    except AttributeError:
        try:
            dladdr = ctypes.CDLL("libdl.so.2").dladdr
        except (OSError, AttributeError):
            return None
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    dladdr.restype = ctypes.c_int
    if dladdr(ctypes.c_void_p(address), ctypes.byref(info)) == 0 or not info.fname:
        return None
    name = info.fname.decode("utf-8", "replace")
    if info.sname:
        name += "(" + info.sname.decode("utf-8", "replace") + ")"
    return name


def _is_jvm(address):
    library = library_of(address)
    return library is not None and "libjvm.so" in library


def record():
    """Saves the dispositions of :data:`JVM_SIGNALS` once (later calls keep the first record)
    and turns on :func:`guard_python_signals`. Returns ``[[signal, library], ...]`` as recorded,
    empty when nothing is recorded (libjsig preloaded, or an unsupported platform)."""
    global _saved
    guard_python_signals()
    if not supported():
        log.debug("signal dispositions are not watched on %s %s", sys.platform, platform.machine())
        return []
    with _lock:
        if libjsig_preloaded():
            log.info("libjsig is preloaded: other libraries' signal handlers are chained behind the JVM's; "
                     "dispositions are left alone")
            return []
        if _saved is None:
            _saved = {signum: _read(signum) for _, signum in _numbers()}
        watch()
        return [[name, library_of(_saved[signum].handler)] for name, signum in _numbers() if signum in _saved]


def recorded():
    """Whether :func:`record` saved dispositions (false with libjsig or on another platform)."""
    return _saved is not None


def restore(step):
    """Puts back every recorded disposition that changed since :func:`record`; ``step`` names what
    ran since the last look (for the log). Returns ``[[signal, library that had taken it], ...]``.

    A handler changed to one inside ``libjvm.so`` is the JVM's own doing (e.g. ``sun.misc.Signal``)
    and becomes the new record instead.
    """
    if _saved is None:
        return []
    changed = []
    with _lock:
        for name, signum in _numbers():
            saved = _saved.get(signum)
            if saved is None:
                continue
            current = _read(signum)
            if _same(current, saved):
                continue
            if current.handler and current.handler != saved.handler and _is_jvm(current.handler):
                _saved[signum] = current
                continue
            library = library_of(current.handler) or f"unknown code at {current.handler or 0:#x}"
            _write(signum, saved)
            changed.append([name, library])
            _restored.append([str(step), name, library])
            if (signum, library) not in _warned:
                _warned.add((signum, library))
                log.warning(
                    "%s replaced the JVM's %s handler with one from %s; the JVM's handler is put back "
                    "(the JVM raises and handles %s itself, another handler there can kill it)",
                    step, name, library, name)
    return changed


def restored():
    """``[[step, signal, library], ...]`` of every restore so far."""
    return [list(entry) for entry in _restored]


def dispositions():
    """``{signal: [handler address, flags, library]}`` of :data:`JVM_SIGNALS` now (diagnostics, tests)."""
    if not supported():
        return {}
    out = {}
    for name, signum in _numbers():
        current = _read(signum)
        out[name] = [int(current.handler or 0), int(current.flags), library_of(current.handler)]
    return out


def watch():
    """Starts (once) a daemon thread that calls :func:`restore` every :data:`WATCH_SECONDS`:
    libraries that load late, on threads of their own (kernels loaded by the first generate of a
    worker thread), are caught within that time instead of at the next step."""
    global _watcher
    with _lock:
        if _saved is None or _watcher is not None:
            return False
        stop = threading.Event()

        def run():
            while not stop.wait(WATCH_SECONDS):
                try:
                    restore("native code loaded in the embedded Python")
                except Exception:  # noqa: BLE001 - a failed look must not end the watch
                    log.debug("signal disposition check failed", exc_info=True)

        _watcher = (threading.Thread(target=run, name="qwenvl-signal-watch", daemon=True), stop)
        _watcher[0].start()
        return True


def stop_watch():
    """Stops the watcher thread (the interpreter closes)."""
    global _watcher
    with _lock:
        watcher, _watcher = _watcher, None
    if watcher is not None:
        watcher[1].set()
        watcher[0].join(timeout=2)


def _caller():
    for frame in reversed(traceback.extract_stack()[:-2]):
        if frame.filename != __file__:
            return f"{frame.filename}:{frame.lineno}"
    return "unknown"


def guard_python_signals():
    """Replaces :func:`signal.signal` with one that skips :data:`PROCESS_SIGNALS` (and the other
    signals the JVM raises itself): the JVM's shutdown hooks, Ctrl-C handling and thread dumps keep
    their handlers whatever vLLM or its dependencies ask for. Idempotent."""
    global _guard_installed
    with _lock:
        if _guard_installed:
            return
        original = signal.signal
        owned = {int(getattr(signal, name)) for name in JVM_SIGNALS if hasattr(signal, name)}

        def jvm_guarded_signal(signalnum, handler):
            number = int(signalnum)
            if number not in owned:
                return original(signalnum, handler)
            name = signal.Signals(number).name
            caller = _caller()
            _python_refused.append([name, caller])
            if len(_python_refused) <= 20:
                log.warning("signal.signal(%s) from %s is skipped: the JVM that embeds this Python owns %s",
                            name, caller, name)
            return signal.getsignal(number)

        jvm_guarded_signal.__wrapped__ = original
        jvm_guarded_signal.__doc__ = original.__doc__
        signal.signal = jvm_guarded_signal
        _guard_installed = True


def python_refused():
    """``[[signal, caller], ...]`` of every :func:`signal.signal` call the guard skipped."""
    return [list(entry) for entry in _python_refused]
