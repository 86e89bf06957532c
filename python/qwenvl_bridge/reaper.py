"""The orphan guard: ends the library's child processes when the JVM that started them dies.

Run by the Java side as ``python -S -E reaper.py JVM_PID TOKEN`` with its stdin a pipe from the
JVM. It knows the library's processes two ways:

* every process the embedded interpreter starts inherits the environment entry
  ``QWENVL_JEP_OWNER=TOKEN`` (visible in /proc/PID/environ from its start);
* vLLM renames its processes (``VLLM::EngineCore``, ``VLLM::Worker``) with setproctitle, which
  overwrites that area; so while the JVM lives, the guard also records, twice a second, the
  JVM's descendants that carry the entry or such a title, with their start times.

When the pipe reaches end of file (the JVM closed it, exited or was killed: the kernel closes a
dead process's descriptors) or the JVM is no longer its parent, the guard SIGKILLs the recorded
processes that still run (same start time, so a reused pid is safe), every process carrying the
entry, and their descendants; then it exits. When the JVM lives and merely closed its last
engine, only vLLM processes left behind are killed: the interpreter's multiprocessing resource
tracker serves the next engine (killing it broke the next engine's start). Other JVMs' processes and the user's own are not
touched. Linux only (reads /proc). Standard library only, started with ``-S``: milliseconds.
"""

import os
import select
import signal
import sys
import time

ENV = "QWENVL_JEP_OWNER"


def _stat(pid, proc="/proc"):
    """``(ppid, start time)`` of a process, or ``None`` when it is gone."""
    try:
        with open(os.path.join(proc, str(pid), "stat"), "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _read(pid, name, proc="/proc"):
    try:
        with open(os.path.join(proc, str(pid), name), "rb") as f:
            return f.read()
    except OSError:
        return b""


def processes(proc="/proc"):
    """``{pid: (ppid, start time)}`` of every process."""
    table = {}
    for name in os.listdir(proc):
        if name.isdigit():
            info = _stat(int(name), proc)
            if info is not None:
                table[int(name)] = info
    return table


def descendants(table, roots):
    """Pids below any of ``roots`` (not the roots themselves), by parent links in ``table``."""
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def is_marked(pid, token):
    return f"{ENV}={token}".encode() in _read(pid, "environ").split(b"\0")


def marked(token, proc="/proc"):
    """Pids (other than this one) whose initial environment holds ``QWENVL_JEP_OWNER=token``."""
    me = os.getpid()
    return [pid for pid in processes(proc) if pid != me and is_marked(pid, token)]


def is_ours(pid, token):
    """Carries the token, or is a vLLM process (renamed ``VLLM::...``); only asked of the JVM's descendants."""
    return is_marked(pid, token) or _read(pid, "cmdline").startswith(b"VLLM::")


class Recorder:
    """The JVM's descendants that are the library's, with their start times."""

    def __init__(self, parent, token):
        self.parent, self.token, self.seen = parent, token, {}

    def look(self):
        table = processes()
        me = os.getpid()
        for pid in descendants(table, [self.parent]):
            if pid != me and pid not in self.seen and is_ours(pid, self.token):
                self.seen[pid] = table[pid][1]
        for pid in [p for p, start in self.seen.items() if table.get(p, (0, None))[1] != start]:
            del self.seen[pid]  # ended

    def targets(self, everything=True):
        """What to kill now: recorded processes still running, marked ones, and everything below them.
        With ``everything`` false (the JVM lives and only closed its last engine): only recorded vLLM
        processes left behind and what is below them; the interpreter's own helpers (Python's
        multiprocessing resource tracker) keep serving the next engine."""
        table = processes()
        me = os.getpid()
        roots = {p for p, start in self.seen.items() if table.get(p, (0, None))[1] == start}
        if everything:
            roots |= {p for p in table if p != me and is_marked(p, self.token)}
        else:
            roots = {p for p in roots if _read(p, "cmdline").startswith(b"VLLM::")}
        return (roots | descendants(table, roots)) - {me}


def kill_all(recorder, everything=True, rounds=5):
    """SIGKILLs the targets, again while any is left (children may be forking); returns how many."""
    killed = set()
    for _ in range(rounds):
        pids = [p for p in recorder.targets(everything) if p not in killed]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except OSError:
                pass
        time.sleep(0.05)
    return len(killed)


def wait_for_parent_end(parent, recorder=None, stdin=0, poll_s=0.5):
    """Returns when ``stdin`` reaches end of file or the parent is no longer ``parent``."""
    while True:
        if recorder is not None:
            recorder.look()
        ready, _, _ = select.select([stdin], [], [], poll_s)
        if ready and not os.read(stdin, 4096):
            return "closed"
        if os.getppid() != parent:
            return "parent gone"


def main(argv):
    parent, token = int(argv[1]), argv[2]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # a terminal's Ctrl-C reaches the whole group: outlive the JVM
    recorder = Recorder(parent, token)
    why = wait_for_parent_end(parent, recorder)
    jvm_alive = why == "closed" and os.getppid() == parent
    count = kill_all(recorder, everything=not jvm_alive)
    if count:
        print(f"qwenvl-jep orphan guard ({why}): killed {count} leftover child process(es)",
              file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
