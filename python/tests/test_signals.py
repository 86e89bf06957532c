"""qwenvl_bridge.signals in a plain interpreter (no JVM): record, compare, put back, warn once."""

import ctypes
import logging
import signal
import subprocess
import sys
import textwrap

import pytest

from qwenvl_bridge import signals

pytestmark = pytest.mark.skipif(not signals.supported(), reason="Linux x86_64/aarch64 only")


def _run(code):
    """Runs ``code`` in a fresh interpreter (record() is once per process)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60,
                          cwd=str(__import__("pathlib").Path(signals.__file__).parents[1]))


def test_struct_sigaction_has_glibcs_size():
    assert ctypes.sizeof(signals._SigAction) == 152


def test_a_replaced_handler_is_put_back_with_its_flags_and_mask_and_one_warning():
    result = _run("""
        import ctypes, logging, signal, sys
        logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="%(levelname)s %(message)s")
        from qwenvl_bridge import signals
        def handler(signum, frame):
            pass
        # a Python-level handler with its own mask and flags stands for the JVM's
        signal.signal(signal.SIGUSR2, handler)
        signals.record()
        before = signals.dispositions()["SIGUSR2"]
        libc = ctypes.CDLL(None)
        action = signals._SigAction()
        action.handler = ctypes.cast(libc._exit, ctypes.c_void_p).value
        libc.sigaction.argtypes = [ctypes.c_int, ctypes.POINTER(signals._SigAction), ctypes.c_void_p]
        for _ in range(2):
            libc.sigaction(signal.SIGUSR2, ctypes.byref(action), None)
            print("CHANGED", signals.restore("the step"))
        print("SAME", signals.dispositions()["SIGUSR2"] == before)
        print("AGAIN", signals.restore("nothing"))
    """)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.count("WARNING the step replaced the JVM's SIGUSR2 handler with one from") == 1, out
    assert "libc.so" in out
    assert "CHANGED [['SIGUSR2', " in out
    assert "SAME True" in out
    assert "AGAIN []" in out


def test_python_signal_calls_for_the_jvms_signals_are_skipped_and_return_the_old_handler(caplog):
    signals.guard_python_signals()
    before = signal.getsignal(signal.SIGTERM)
    with caplog.at_level(logging.WARNING, logger="qwenvl_bridge.signals"):
        returned = signal.signal(signal.SIGTERM, lambda s, f: None)
    assert returned is before
    assert signal.getsignal(signal.SIGTERM) is before
    assert any("signal.signal(SIGTERM)" in r.getMessage() and "test_signals.py" in r.getMessage() for r in caplog.records)
    assert ["SIGTERM"] == [r[0] for r in signals.python_refused() if r[0] == "SIGTERM"][:1]


def test_other_signals_still_go_through_python():
    signals.guard_python_signals()
    previous = signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    try:
        assert signal.getsignal(signal.SIGUSR1) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_nothing_is_recorded_when_libjsig_is_in_the_process():
    result = _run("""
        import ctypes
        from qwenvl_bridge import signals
        signals._jsig = True  # as if JVM_begin_signal_setting were exported
        print("RECORDED", signals.record(), signals.recorded())
    """)
    assert "RECORDED [] False" in result.stdout, result.stdout + result.stderr


def test_library_of_names_the_shared_object_of_a_handler():
    libc = ctypes.CDLL(None)
    assert "libc.so" in signals.library_of(ctypes.cast(libc._exit, ctypes.c_void_p).value)
    assert signals.library_of(0) == "SIG_DFL"
    assert signals.library_of(1) == "SIG_IGN"
