"""The orphan guard: ends the library's child processes when the JVM that started them dies.

Run by the Java side as ``python -S -E reaper.py JVM_PID TOKEN`` with its stdin a pipe from the
JVM. Every process the embedded interpreter starts (vLLM's engine core, its workers, the
multiprocessing resource tracker) inherits the environment entry ``QWENVL_JEP_OWNER=TOKEN``.
When the pipe reaches end of file (the JVM closed it, exited or was killed: the kernel closes a
dead process's descriptors) or this process is re-parented away from the JVM, the guard kills
every process whose initial environment holds that entry, and exits. Nothing else is touched,
so other JVMs' engines and the user's own processes are safe. Linux only (reads /proc).
Standard library only, imported with ``-S``: it starts in milliseconds.
"""

import os
import select
import signal
import sys
import time

ENV = "QWENVL_JEP_OWNER"


def marked(token, proc="/proc"):
    """Pids (other than this one) whose initial environment holds ``QWENVL_JEP_OWNER=token``."""
    entry = f"{ENV}={token}".encode()
    me = os.getpid()
    found = []
    for name in os.listdir(proc):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(os.path.join(proc, name, "environ"), "rb") as f:
                if entry in f.read().split(b"\0"):
                    found.append(int(name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def kill_marked(token, rounds=5):
    """SIGKILLs the marked processes, again while any is left (children may be forking); returns how many."""
    killed = set()
    for _ in range(rounds):
        pids = [p for p in marked(token) if p not in killed]
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


def wait_for_parent_end(parent, stdin=0, poll_s=0.5):
    """Returns when ``stdin`` reaches end of file or the parent is no longer ``parent``."""
    while True:
        ready, _, _ = select.select([stdin], [], [], poll_s)
        if ready and not os.read(stdin, 4096):
            return "closed"
        if os.getppid() != parent:
            return "parent gone"


def main(argv):
    parent, token = int(argv[1]), argv[2]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # a terminal's Ctrl-C reaches the whole group: outlive the JVM
    why = wait_for_parent_end(parent)
    count = kill_marked(token)
    if count:
        print(f"qwenvl-jep orphan guard ({why}): killed {count} leftover child process(es)",
              file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
