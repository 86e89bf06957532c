"""``sys.stdout`` and ``sys.stderr`` of the embedded interpreter as real OS file descriptors.

JEP redirects Python's standard streams to Java objects that have no ``fileno()``; vLLM and other
libraries ask for it. :func:`install` puts a line-buffered text file over a fresh OS pipe in place
of each stream and returns the read ends; Java opens them and forwards each line to SLF4J from its
own threads (``dev.qwenvl.jep.PythonStdio``), which never need Python's GIL, so a full pipe is
always drained and a writer can never deadlock the interpreter. The pipes are not inherited by
child processes (os.pipe makes them non-inheritable): vLLM's spawned processes write to the
process's own file descriptors 1 and 2 instead. The JVM's fds 1 and 2 are never touched.
"""

import os
import sys

_installed = None  # (previous stdout, previous stderr, our stdout, our stderr)


def _open_writer(fd):
    return open(fd, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=True)


def install():
    """Replaces sys.stdout/sys.stderr by pipes; returns their read ends: ``{"stdout": fd, "stderr": fd}``."""
    global _installed
    if _installed is not None:
        uninstall()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    out, err = _open_writer(out_write), _open_writer(err_write)
    _installed = (sys.stdout, sys.stderr, out, err)
    sys.stdout, sys.stderr = out, err
    return {"stdout": out_read, "stderr": err_read}


def release(fds):
    """Closes this side's copies of the read ends once Java has opened its own."""
    for fd in fds:
        try:
            os.close(int(fd))
        except OSError:
            pass


def uninstall():
    """Puts the previous streams back and closes the pipes' write ends (the Java readers then end)."""
    global _installed
    if _installed is None:
        return False
    previous_out, previous_err, out, err = _installed
    _installed = None
    sys.stdout, sys.stderr = previous_out, previous_err
    for stream in (out, err):
        try:
            stream.close()  # flushes a pending partial line first
        except (OSError, ValueError):
            pass
    return True
