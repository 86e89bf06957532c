"""sys.stdout/sys.stderr over OS pipes, and the end mark that tells the Java reader all has arrived."""

import os
import sys

from qwenvl_bridge import stdio


def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_uninstall_ends_each_pipe_with_the_end_mark_after_a_pending_partial_line():
    before = (sys.stdout, sys.stderr)
    ends = stdio.install()
    try:
        assert ends["end_mark"] == stdio.END_MARK and "\n" not in stdio.END_MARK
        print("a whole line")
        sys.stdout.write("a partial line")
        sys.stderr.write("to stderr\n")
    finally:
        assert stdio.uninstall() is True
    try:
        assert (sys.stdout, sys.stderr) == before
        mark = stdio.END_MARK.encode("utf-8")
        assert _read_all(ends["stdout"]) == b"a whole line\na partial line" + mark + b"\n"
        assert _read_all(ends["stderr"]) == b"to stderr\n" + mark + b"\n"
    finally:
        stdio.release([ends["stdout"], ends["stderr"]])


def test_uninstall_without_install_does_nothing():
    assert stdio.uninstall() is False
