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

Shared memory: vLLM's multiprocess executor (the CPU engine always uses it) keeps its message
queues in POSIX shared memory (``multiprocessing.shared_memory``, ``/dev/shm/psm_*``, 100-250 MB
each): the engine core creates one, each worker another, and they are unlinked only by a clean
shutdown, or by Python's resource tracker when it ends. A ``kill -9`` of the engine core leaves
them until the JVM ends (then the tracker unlinks them, warning about "leaked shared_memory
objects"); a ``kill -9`` of the JVM leaves them for good (the guard kills the tracker too). So
while it looks at the JVM's processes, the guard also records the ``/dev/shm`` files they hold
open (``/proc/PID/fd``; ``SharedMemory`` keeps its descriptor while attached. Maps are not read
then: reading a JVM's maps takes its memory-map lock and slowed it measurably; the library's
processes, any name; the JVM itself, ``psm_*`` only, which only its embedded interpreter makes),
with their inode (it looks
at once when a file appears in /dev/shm, through inotify, so a core killed right after it made
its segment is no escape), when the
file's owner is this user and it changed after the JVM started (created by this run). A recorded
segment is removed once every process seen holding it has ended, no other live process holds it
(descriptors and maps of every readable process) and the name still names the same file: during the run (an engine core that died) and when the
guard ends (after the kills). Another run's segments are never recorded (not held by this JVM's
processes) and never removed while anyone holds them. When a live resource tracker of the JVM has
the name registered, the guard tells it the name is gone (``REGISTER`` then ``UNREGISTER`` on the
tracker's own pipe, reopened through /proc: a no-op for a name it did not know), so it neither
warns nor unlinks it again.
"""

import os
import re
import select
import signal
import sys
import time

ENV = "QWENVL_JEP_OWNER"
SHM_DIR = "/dev/shm"


def _stat(pid, proc="/proc"):
    """``(ppid, start time)`` of a process, or ``None`` when it is gone."""
    try:
        with open(os.path.join(proc, str(pid), "stat"), "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _state(pid, proc="/proc"):
    """``(state letter, start time)`` of a process, or ``None`` when it is gone."""
    try:
        with open(os.path.join(proc, str(pid), "stat"), "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return fields[0], int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def running(pid, start, proc="/proc"):
    """Whether ``pid`` is still the process that started at ``start`` and has not exited (a zombie has)."""
    info = _state(pid, proc)
    return info is not None and info[1] == start and info[0] not in (b"Z", b"X")


def started_epoch(pid, proc="/proc"):
    """When ``pid`` started, in seconds since the epoch, or ``None``."""
    info = _stat(pid, proc)
    try:
        with open(os.path.join(proc, "stat"), "rb") as f:
            btime = next(int(line.split()[1]) for line in f if line.startswith(b"btime "))
        return btime + info[1] / os.sysconf("SC_CLK_TCK") if info else None
    except (OSError, StopIteration, ValueError):
        return None


def shm_held(pid, shm_dir=SHM_DIR, proc="/proc", maps=False):
    """``{name: inode}`` of the files directly in ``shm_dir`` (not yet unlinked) that ``pid`` holds
    open, and with ``maps`` also those it maps; empty when it is gone, a zombie or not readable.
    Python's ``SharedMemory`` keeps its descriptor open while it is attached, so descriptors find
    it; maps (slower to read: the kernel walks the process's memory map under its lock) are read
    only to make sure no one else holds a segment before it is removed."""
    prefix = shm_dir.rstrip("/") + "/"
    held = {}
    fd_dir = os.path.join(proc, str(pid), "fd")
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        fds = []
    for fd in fds:
        link = os.path.join(fd_dir, fd)
        try:
            target = os.readlink(link)
            if target.startswith(prefix) and "/" not in target[len(prefix):] and not target.endswith(" (deleted)"):
                held[target[len(prefix):]] = os.stat(link).st_ino
        except OSError:
            continue
    if not maps:
        return held
    mapped = _read(pid, "maps", proc)
    needle = b" " + prefix.encode()
    if needle in mapped:
        for line in mapped.split(b"\n"):
            fields = line.split(None, 5)
            if len(fields) == 6 and fields[5].startswith(prefix.encode()) and not fields[5].endswith(b" (deleted)"):
                name = os.fsdecode(fields[5][len(prefix):])
                if "/" not in name:
                    try:
                        held.setdefault(name, int(fields[4]))
                    except ValueError:
                        pass
    return held


def tracker_pipes(pids, proc="/proc"):
    """``[(pid, fd)]`` of the Python resource trackers among ``pids``: the read end of each one's pipe."""
    found = []
    for pid in pids:
        match = re.search(rb"resource_tracker import main;main\((\d+)\)", _read(pid, "cmdline", proc))
        if match:
            found.append((pid, int(match.group(1))))
    return found


def forget_in_trackers(names, trackers, proc="/proc"):
    """Tells live resource trackers that ``names`` (shared_memory, unlinked by us) are gone: REGISTER then
    UNREGISTER, so a tracker that knew a name drops it and one that did not ends as it was."""
    if not names or not trackers:
        return
    for pid, fd in trackers:
        try:
            w = os.open(os.path.join(proc, str(pid), "fd", str(fd)), os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            for name in names:  # one short write per name: atomic beside the tracker's other writers
                os.write(w, f"REGISTER:/{name}:shared_memory\nUNREGISTER:/{name}:shared_memory\n".encode())
        except OSError:
            pass
        finally:
            os.close(w)


class Segments:
    """The shared-memory segments this run's processes created, and who was seen holding them."""

    def __init__(self, jvm_pid, shm_dir=SHM_DIR, proc="/proc"):
        self.jvm_pid, self.shm_dir, self.proc = jvm_pid, shm_dir, proc
        self.jvm_start = _stat(jvm_pid, proc)
        self.since = started_epoch(jvm_pid, proc) or time.time()
        self.found = {}  # name -> (inode, {(pid, start)})

    def _ours(self, name, inode):
        """Created by this run: the same file, this user's, changed since the JVM started."""
        try:
            st = os.stat(os.path.join(self.shm_dir, name))
        except OSError:
            return False
        return st.st_ino == inode and st.st_uid == os.getuid() and st.st_ctime >= self.since - 1

    def look(self, holders):
        """Records what ``holders`` (``{pid: start}``, the JVM included) hold now."""
        for pid, start in holders.items():
            for name, inode in shm_held(pid, self.shm_dir, self.proc).items():
                if pid == self.jvm_pid and not name.startswith("psm_"):
                    continue  # the JVM's own: only what its embedded Python made
                known = self.found.get(name)
                if known is None or known[0] != inode:
                    if not self._ours(name, inode):
                        continue
                    known = self.found[name] = (inode, set())
                known[1].add((pid, start))

    def orphaned(self):
        """Recorded segments whose every recorded holder has ended."""
        return {name: inode for name, (inode, holders) in self.found.items()
                if not any(running(pid, start, self.proc) for pid, start in holders)}

    def sweep(self, trackers=()):
        """Unlinks the orphaned segments that no live process holds and whose name still names the
        same file; returns the names removed."""
        candidates = self.orphaned()
        if not candidates:
            return []
        me = os.getpid()
        for pid in processes(self.proc):
            if pid != me:
                for name, inode in shm_held(pid, self.shm_dir, self.proc, maps=True).items():
                    if candidates.get(name) == inode:
                        del candidates[name]  # someone else holds it: not ours to remove (yet)
        removed = []
        for name, inode in candidates.items():
            path = os.path.join(self.shm_dir, name)
            try:
                if os.stat(path).st_ino == inode:
                    os.unlink(path)
                    removed.append(name)
            except OSError:
                pass
            del self.found[name]
        forget_in_trackers(removed, trackers, self.proc)
        return removed


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

    def __init__(self, parent, token, shm_dir=SHM_DIR):
        self.parent, self.token, self.seen = parent, token, {}
        self.segments = Segments(parent, shm_dir)
        self.removed, self.next_sweep = [], 0.0

    def look(self):
        table = processes()
        me = os.getpid()
        for pid in descendants(table, [self.parent]):
            if pid != me and pid not in self.seen and is_ours(pid, self.token):
                self.seen[pid] = table[pid][1]
        holders = dict(self.seen)
        if self.segments.jvm_start is not None:
            holders[self.parent] = self.segments.jvm_start[1]
        self.segments.look(holders)
        for pid in [p for p, start in self.seen.items() if table.get(p, (0, None))[1] != start]:
            del self.seen[pid]  # ended
        if self.segments.orphaned() and time.monotonic() >= self.next_sweep:
            self.next_sweep = time.monotonic() + 5  # a sweep reads every process's maps: not twice a second
            self.sweep("a process of the run ended", table)

    def last_look(self):
        """Records, right before the kills, the segments the run's processes hold now (recorded ones and
        those marked with the run's token): one made since the last look, moments before the JVM died,
        is swept too."""
        table = processes()
        holders = dict(self.seen)
        for pid in marked(self.token):
            if pid != os.getpid() and pid in table:
                holders.setdefault(pid, table[pid][1])
        self.segments.look(holders)

    def sweep(self, why, table=None, also_trackers=()):
        """Removes the shared memory of this run's ended processes; returns the names removed. The
        resource trackers below the JVM, and ``also_trackers`` (the dead JVM's, reparented), are told."""
        table = table if table is not None else processes()
        below = {p for p in descendants(table, [self.parent]) if p != os.getpid()}
        trackers = tracker_pipes(sorted(below | set(also_trackers)))
        removed = self.segments.sweep(trackers)
        if removed:
            print(f"qwenvl-jep orphan guard ({why}): removed {len(removed)} shared-memory segment(s) that ended"
                  f" processes left in {self.segments.shm_dir}: {', '.join(sorted(removed))}",
                  file=sys.stderr, flush=True)
        self.removed.extend(removed)
        return removed

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


def is_tracker(pid, proc="/proc"):
    """Whether ``pid`` is a Python multiprocessing resource tracker."""
    return b"resource_tracker import main;main(" in _read(pid, "cmdline", proc)


def freeze_all(recorder, everything=True, rounds=5, wait_s=1.0):
    """SIGSTOPs the targets (again while new ones appear) and waits, at most ``wait_s``, until each is
    stopped: a stopped process makes no shared-memory segment and no child, so a look after this sees
    every segment the run's processes made (one made after the look and before the kill was missed).
    Resource trackers are left running (see ``main``). Returns the pids stopped."""
    stopped = set()
    for _ in range(rounds):
        pids = [p for p in recorder.targets(everything) if p not in stopped and not is_tracker(p)]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGSTOP)
                stopped.add(pid)
            except OSError:
                pass
    deadline = time.monotonic() + wait_s
    waiting = set(stopped)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            info = _state(pid)
            if info is None or info[0] in (b"T", b"t", b"Z", b"X"):
                waiting.discard(pid)  # stopped (or gone): what it holds no longer changes
        if waiting:
            time.sleep(0.002)
    return stopped


def kill_all(recorder, everything=True, rounds=5, spare_trackers=False):
    """SIGKILLs the targets, again while any is left (children may be forking); returns how many."""
    killed = set()
    for _ in range(rounds):
        pids = [p for p in recorder.targets(everything) if p not in killed
                and not (spare_trackers and is_tracker(p))]
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


def creations_watch(path=SHM_DIR):
    """A descriptor that turns readable when a file is created in ``path`` (inotify, through ctypes), or
    ``None`` where that is not available: the guard then only looks twice a second."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            return None
        if libc.inotify_add_watch(fd, os.fsencode(path), 0x100 | 0x80) < 0:  # IN_CREATE | IN_MOVED_TO
            os.close(fd)
            return None
        return fd
    except (ImportError, OSError, AttributeError):
        return None


def segment_created(watch):
    """Drains the inotify events waiting on ``watch``; whether one names a file other than a named
    semaphore (``sem.*``, which multiprocessing makes and unlinks at once, many a second)."""
    found = False
    try:
        while True:
            data = os.read(watch, 65536)
            if not data:
                return found
            at = 0
            while at + 16 <= len(data):
                length = int.from_bytes(data[at + 12:at + 16], sys.byteorder)
                name = data[at + 16:at + 16 + length].rstrip(b"\0")
                found = found or not name.startswith(b"sem.")
                at += 16 + length
    except OSError:  # nothing more to read now
        return found


def wait_for_parent_end(parent, recorder=None, stdin=0, poll_s=0.5):
    """Returns when ``stdin`` reaches end of file or the parent is no longer ``parent``. Looks at the
    processes twice a second, and at once when a file appears in /dev/shm: a segment is recorded while
    its creator still holds it, however soon the creator is killed."""
    watch = creations_watch(recorder.segments.shm_dir) if recorder is not None else None
    last_look = next_look = 0.0
    try:
        while True:
            if recorder is not None and time.monotonic() >= next_look:
                recorder.look()
                last_look = time.monotonic()
                next_look = last_look + poll_s
            wait = max(0.0, next_look - time.monotonic()) if recorder is not None else poll_s
            ready, _, _ = select.select([stdin] + ([watch] if watch is not None else []), [], [], wait)
            if stdin in ready and not os.read(stdin, 4096):
                return "closed"
            if watch is not None and watch in ready and segment_created(watch):
                next_look = min(next_look, last_look + 0.02)  # look now, at most 50 times a second
            if os.getppid() != parent:
                return "parent gone"
    finally:
        if watch is not None:
            os.close(watch)


def main(argv):
    parent, token = int(argv[1]), argv[2]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # a terminal's Ctrl-C reaches the whole group: outlive the JVM
    recorder = Recorder(parent, token)
    why = wait_for_parent_end(parent, recorder)
    jvm_alive = why == "closed" and os.getppid() == parent
    everything = not jvm_alive
    # Stop, look, then kill: a process killed right after the last look could have made a segment in
    # between (a core starting up as the JVM died); stopped, it makes none, so the look sees them all.
    freeze_all(recorder, everything)
    recorder.last_look()
    pids = recorder.targets(everything)
    table = processes()
    starts = {p: info[1] for p, info in table.items() if p in pids}
    trackers = {p: starts[p] for p in pids if everything and p in starts and is_tracker(p)}
    count = kill_all(recorder, everything, spare_trackers=everything)
    if count:
        print(f"qwenvl-jep orphan guard ({why}): killed {count} leftover child process(es)",
              file=sys.stderr, flush=True)
    deadline = time.time() + 5  # killed processes unmap their shared memory as they exit
    while any(running(p, start) for p, start in starts.items() if p not in trackers) and time.time() < deadline:
        time.sleep(0.02)
    recorder.sweep(why, also_trackers=trackers)
    if trackers:
        # The JVM is gone: its resource trackers are spared until every other process of the run has
        # ended. Each then reads end of file and unlinks what the run's Python processes registered and
        # never unlinked (names the guard removed were dropped from it by the sweep): Python's own
        # record of every segment they made, so one no look caught (its maker killed within
        # milliseconds of making it, earlier in the run) is removed too. Killed if still there after 2 s.
        deadline = time.time() + 2
        while any(running(p, start) for p, start in trackers.items()) and time.time() < deadline:
            time.sleep(0.02)
        for pid, start in trackers.items():
            if running(pid, start):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
