"""``sys.stdout`` and ``sys.stderr`` of the embedded interpreter as real OS file descriptors.

JEP redirects Python's standard streams to Java objects that have no ``fileno()``; vLLM and other
libraries ask for it. :func:`install` puts a line-buffered text file over a fresh OS pipe in place
of each stream and returns the read ends; Java opens them and forwards each line to SLF4J from its
own threads (``dev.qwenvl.jep.PythonStdio``), which never need Python's GIL, so a full pipe is
always drained and a writer can never deadlock the interpreter. The pipes are not inherited by
child processes (os.pipe makes them non-inheritable): vLLM's spawned processes write to the
process's own file descriptors 1 and 2 instead. The JVM's fds 1 and 2 are never touched.

A child can still be handed a copy on purpose: multiprocessing's resource tracker (started with
vLLM's first process) is given ``sys.stderr.fileno()`` and keeps it until the JVM ends, and
``subprocess`` callers may pass ``sys.stdout``/``sys.stderr``. The pipe then never reaches its end
of file when this side closes it, so :func:`uninstall` writes :data:`END_MARK` as the last line of
each pipe: the Java reader knows at once that all this interpreter wrote has arrived, and keeps
forwarding (until the end of file) whatever such a child still writes.
"""

import os
import sys

_installed = None  # (previous stdout, previous stderr, our stdout, our stderr)

END_MARK = "\x00qwenvl-stdio-end\x00"
"""The last line :func:`uninstall` writes to each pipe (never logged; no text line carries NULs)."""


def _open_writer(fd):
    return open(fd, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=True)


def install():
    """Replaces sys.stdout/sys.stderr by pipes; returns their read ends and the end mark:
    ``{"stdout": fd, "stderr": fd, "end_mark": END_MARK}``."""
    global _installed
    if _installed is not None:
        uninstall()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    out, err = _open_writer(out_write), _open_writer(err_write)
    _installed = (sys.stdout, sys.stderr, out, err)
    sys.stdout, sys.stderr = out, err
    return {"stdout": out_read, "stderr": err_read, "end_mark": END_MARK}


def release(fds):
    """Closes this side's copies of the read ends once Java has opened its own."""
    for fd in fds:
        try:
            os.close(int(fd))
        except OSError:
            pass


def uninstall():
    """Puts the previous streams back, writes :data:`END_MARK` as each pipe's last line (after any
    pending partial line) and closes the pipes' write ends (the Java readers end at the end of file,
    once no child holds a copy)."""
    global _installed
    if _installed is None:
        return False
    previous_out, previous_err, out, err = _installed
    _installed = None
    sys.stdout, sys.stderr = previous_out, previous_err
    for stream in (out, err):
        try:
            stream.write(END_MARK + "\n")
            stream.close()  # flushes a pending partial line and the mark
        except (OSError, ValueError):
            pass
    return True
