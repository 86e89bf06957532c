"""The orphan guard: kills exactly the processes carrying its token once its pipe closes."""

import os
import subprocess
import sys
import time
import uuid

from qwenvl_bridge import reaper

REAPER = reaper.__file__


def _sleeper(token):
    env = dict(os.environ)
    if token is not None:
        env[reaper.ENV] = token
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"], env=env)


def _ended(proc, seconds):
    try:
        proc.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def test_closing_the_pipe_kills_every_marked_process_and_nothing_else():
    token = f"test-{uuid.uuid4()}"
    marked, other, stranger = _sleeper(token), _sleeper(f"other-{uuid.uuid4()}"), _sleeper(None)
    try:
        time.sleep(0.2)
        assert marked.pid in reaper.marked(token)
        guard = subprocess.Popen([sys.executable, "-S", "-E", REAPER, str(os.getpid()), token],
                                 stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.3)
        assert marked.poll() is None, "nothing happens while the pipe is open"
        guard.stdin.close()  # what the kernel does when the JVM dies (here the parent lives: see below)
        assert _ended(guard, 5)
        assert marked.poll() is None, "while the parent lives, a close spares non-vLLM helpers"
        guard = _guard_whose_parent_ends(token)
        assert _ended(marked, 5), "the marked process was killed"
        assert marked.returncode == -9
        assert _ended(guard, 5) and guard.returncode == 0
        assert b"killed 1 leftover" in guard.stderr.read()
        assert other.poll() is None and stranger.poll() is None, "other tokens and unmarked processes live"
    finally:
        for p in (marked, other, stranger):
            p.kill()
            p.wait()


def _guard_whose_parent_ends(token):
    """A guard started by a short-lived shell (its "JVM"), which exits at once: the guard sees its
    parent gone. (Never pass pid 1 as the parent: every process descends from it.)"""
    # the guard's stdin is a pipe that stays open (sleep holds it), so only the parent's end acts
    return subprocess.Popen(["sh", "-c", 'sleep 5 | "$0" -S -E "$1" $$ "$2" & sleep 0.3', sys.executable, REAPER,
                             token], stderr=subprocess.PIPE)


def test_the_guard_also_acts_when_its_parent_is_gone():
    token = f"test-{uuid.uuid4()}"
    marked = _sleeper(token)
    try:
        shell = _guard_whose_parent_ends(token)
        assert _ended(marked, 5)
        shell.wait(5)
    finally:
        marked.kill()
        marked.wait()


def test_a_renamed_vllm_process_below_the_parent_is_recorded_and_killed_though_its_environ_is_gone():
    pytest = __import__("pytest")
    pytest.importorskip("setproctitle")
    token = f"test-{uuid.uuid4()}"
    # like vLLM's engine core: started with the token, then renamed, which overwrites /proc/PID/environ
    renamed = _sleeper_titled(token, "VLLM::EngineCore")
    guard = subprocess.Popen([sys.executable, "-S", "-E", REAPER, str(os.getpid()), token], stdin=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        while renamed.pid in reaper.marked(token) and time.time() < deadline:
            time.sleep(0.1)
        assert renamed.pid not in reaper.marked(token), "the rename hid the token"
        time.sleep(1.2)  # the guard looks twice a second
        guard.stdin.close()
        assert _ended(renamed, 5) and renamed.returncode == -9
        assert _ended(guard, 5)
    finally:
        renamed.kill()
        renamed.wait()
        guard.kill()
        guard.wait()


def _sleeper_titled(token, title):
    env = dict(os.environ)
    env[reaper.ENV] = token
    code = f"import setproctitle, time; setproctitle.setproctitle({title!r} + ' ' * 400); time.sleep(3600)"
    return subprocess.Popen([sys.executable, "-c", code], env=env)


# Shared memory: what the run's processes created is removed once they end, never another's.

_HOLD_SHM = """
import sys, time
from multiprocessing import resource_tracker, shared_memory
resource_tracker.register = lambda *a, **k: None  # untracked: only the guard can remove it
segment = shared_memory.SharedMemory(create=True, size=1 << 20)
print(segment.name, flush=True)
time.sleep(3600)
"""

_ATTACH_SHM = """
import sys, time
from multiprocessing import resource_tracker, shared_memory
resource_tracker.register = lambda *a, **k: None
held = shared_memory.SharedMemory(name=sys.argv[1])
own = shared_memory.SharedMemory(create=True, size=4096)
print(own.name, flush=True)
time.sleep(3600)
"""


def _shm_holder(code, token, *args):
    env = dict(os.environ)
    env.pop(reaper.ENV, None)
    if token is not None:
        env[reaper.ENV] = token
    p = subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, text=True)
    return p, p.stdout.readline().strip()


def _gone(name, seconds):
    deadline = time.time() + seconds
    while os.path.exists(os.path.join(reaper.SHM_DIR, name)):
        if time.time() > deadline:
            return False
        time.sleep(0.05)
    return True


def _unlink(name):
    try:
        os.unlink(os.path.join(reaper.SHM_DIR, name))
    except FileNotFoundError:
        pass


def test_shared_memory_of_a_killed_process_of_the_run_is_removed_while_another_holder_lives_it_is_kept():
    token = f"test-{uuid.uuid4()}"
    ours, name = _shm_holder(_HOLD_SHM, token)
    stranger, strangers_own = _shm_holder(_ATTACH_SHM, None, name)  # not the library's: holds ours and its own
    guard = subprocess.Popen([sys.executable, "-S", "-E", REAPER, str(os.getpid()), token],
                             stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert name in reaper.shm_held(ours.pid) and strangers_own in reaper.shm_held(stranger.pid)
        time.sleep(1.2)  # the guard looks twice a second
        ours.kill()  # kill -9 of an engine core, the JVM living on
        ours.wait()
        time.sleep(1.5)
        assert os.path.exists(os.path.join(reaper.SHM_DIR, name)), "another live process still holds it: kept"
        stranger.kill()
        stranger.wait()
        assert _gone(name, 10), "its last holder ended: removed during the run"
        assert os.path.exists(os.path.join(reaper.SHM_DIR, strangers_own)), "never held by the run: not its to remove"
        guard.stdin.close()
        assert _ended(guard, 10)
        assert name.encode() in guard.stderr.read()
        assert os.path.exists(os.path.join(reaper.SHM_DIR, strangers_own))
    finally:
        for p in (ours, stranger, guard):
            p.kill()
            p.wait()
        _unlink(name)
        _unlink(strangers_own)


def test_when_the_jvm_dies_the_shared_memory_its_processes_held_is_removed():
    token = f"test-{uuid.uuid4()}"
    env = dict(os.environ)
    env[reaper.ENV] = token
    # the shell is the "JVM": it starts a marked process holding a segment and the guard, then dies
    script = ('"$0" -c "$3" > "$4" & sleep 30 | env -u QWENVL_JEP_OWNER "$0" -S -E "$1" $$ "$2" & '
              'sleep 2; kill -9 $$')
    out = f"/tmp/qwenvl-test-shm-{uuid.uuid4()}"
    shell = subprocess.Popen(["sh", "-c", script, sys.executable, REAPER, token, _HOLD_SHM, out], env=env,
                             stderr=subprocess.DEVNULL)
    name = None
    try:
        deadline = time.time() + 10
        while not name and time.time() < deadline:
            time.sleep(0.05)
            name = open(out).read().strip() if os.path.exists(out) else None
        assert name, "the marked process made its segment"
        shell.wait(10)
        assert _gone(name, 10), "the guard removed it after killing its holder"
        assert not reaper.marked(token)
    finally:
        for pid in reaper.marked(token):
            os.kill(pid, 9)
        if name:
            _unlink(name)
        if os.path.exists(out):
            os.unlink(out)


_TRACKED = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from multiprocessing import resource_tracker, shared_memory
from qwenvl_bridge import reaper
segment = shared_memory.SharedMemory(create=True, size=4096)  # registered with this interpreter's tracker
segment.close()
os.unlink(os.path.join(reaper.SHM_DIR, segment.name))  # what the guard does for a dead creator
if sys.argv[2] == "forget":
    time.sleep(0.5)  # the tracker's command line is written once it runs
    tracker = resource_tracker._resource_tracker._pid
    reaper.forget_in_trackers([segment.name], reaper.tracker_pipes([tracker]))
"""


def test_a_live_resource_tracker_is_told_a_removed_segment_is_gone_so_it_does_not_warn():
    package = os.path.dirname(os.path.dirname(REAPER))
    told = subprocess.run([sys.executable, "-c", _TRACKED, package, "forget"], capture_output=True, text=True,
                          timeout=60)
    untold = subprocess.run([sys.executable, "-c", _TRACKED, package, "no"], capture_output=True, text=True,
                            timeout=60)
    assert "leaked shared_memory" in untold.stderr, "the warning this prevents: " + untold.stderr
    assert "leaked" not in told.stderr and "No such file" not in told.stderr, told.stderr
    # a name the tracker never knew: REGISTER then UNREGISTER leaves it as it was, without a traceback
    quiet = subprocess.run([sys.executable, "-c", _TRACKED.replace("[segment.name]", "['psm_never_seen']"),
                            package, "forget"], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in quiet.stderr and "KeyError" not in quiet.stderr, quiet.stderr


def test_a_segment_whose_creator_is_killed_right_after_making_it_is_still_removed():
    token = f"test-{uuid.uuid4()}"
    guard = subprocess.Popen([sys.executable, "-S", "-E", REAPER, str(os.getpid()), token],
                             stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    name = None
    try:
        time.sleep(0.7)  # the guard runs and watches /dev/shm
        # like an engine core killed while it starts: it lives 0.2 s after making its segment, less than the
        # guard's half-second look; the creation itself wakes the guard
        quick, name = _shm_holder(_HOLD_SHM.replace("time.sleep(3600)", "time.sleep(0.2); os.kill(os.getpid(), 9)")
                                  .replace("import sys, time", "import os, sys, time"), token)
        quick.wait(10)
        assert quick.returncode == -9
        assert _gone(name, 10), "recorded when it appeared, removed when its creator ended"
    finally:
        guard.kill()
        guard.wait()
        if name:
            _unlink(name)


_MAKE_WHEN_ORPHANED = """
import os, sys, time
from multiprocessing import resource_tracker, shared_memory
resource_tracker.register = lambda *a, **k: None  # untracked: only the guard can remove it
parent = os.getppid()
open(sys.argv[1] + ".ready", "w").close()
while os.getppid() == parent:  # the "JVM" lives
    time.sleep(0.001)
time.sleep(float(sys.argv[2]))
segment = shared_memory.SharedMemory(name=os.path.basename(sys.argv[1]), create=True, size=1 << 16)
time.sleep(3600)
"""


_JVM_THAT_DIES = """
import os, subprocess, sys, time
python, reaper, token, code = sys.argv[1:5]
r, w = os.pipe()  # the guard's stdin: its only writer is this process, so its death is end of file at once
env = {k: v for k, v in os.environ.items() if k != "QWENVL_JEP_OWNER"}
subprocess.Popen([python, "-S", "-E", reaper, str(os.getpid()), token], stdin=r, env=env)
os.close(r)
ready = []
for spec in sys.argv[5:]:
    name, delay = spec.split("|")
    subprocess.Popen([python, "-c", code, "/tmp/" + name, delay])
    ready.append("/tmp/" + name + ".ready")
deadline = time.time() + 30
while not all(os.path.exists(r) for r in ready) and time.time() < deadline:
    time.sleep(0.02)
time.sleep(0.7)  # the guard has seen them all
os.kill(os.getpid(), 9)
"""


def test_segments_made_while_the_jvm_dies_are_removed_however_close_to_the_guards_last_look():
    # Processes that make their segment 0-60 ms after the JVM died, as an engine core starting up at
    # that moment would: the guard stops them before its last look and kills them after it, so each
    # segment is either seen there or never made. Looking and then killing left some behind.
    token = f"test-{uuid.uuid4()}"
    env = dict(os.environ)
    env[reaper.ENV] = token
    names = [f"psm_qwenvl_test_{os.getpid()}_{uuid.uuid4().hex[:8]}_{i}" for i in range(16)]
    specs = [f"{n}|{i * 0.004}" for i, n in enumerate(names)]
    jvm = subprocess.Popen([sys.executable, "-c", _JVM_THAT_DIES, sys.executable, REAPER, token, _MAKE_WHEN_ORPHANED,
                            *specs], env=env)
    try:
        jvm.wait(20)
        deadline = time.time() + 10
        while reaper.marked(token) and time.time() < deadline:
            time.sleep(0.05)
        assert not reaper.marked(token), "every process of the run was killed"
        time.sleep(0.5)  # the guard sweeps once the killed processes are gone
        left = [n for n in names if os.path.exists(os.path.join(reaper.SHM_DIR, n))]
        assert left == [], "made as the JVM died and left behind: " + ", ".join(left)
    finally:
        for pid in reaper.marked(token):
            os.kill(pid, 9)
        for n in names:
            _unlink(n)
            if os.path.exists("/tmp/" + n + ".ready"):
                os.unlink("/tmp/" + n + ".ready")


_TRACKED_UNHELD = """
import sys, time
from multiprocessing import shared_memory
segment = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=1 << 16)  # registered with the tracker
segment.close()  # held by nobody: no look of the guard can tie it to this run
print("made", flush=True)
time.sleep(3600)
"""


def test_when_the_jvm_dies_the_runs_resource_tracker_removes_what_no_look_of_the_guard_caught():
    # A segment whose maker let go of it before any look (a core killed within milliseconds of making
    # it): the guard cannot know it is the run's, Python's resource tracker does. The guard spares the
    # tracker until the run's other processes are gone; it then unlinks what they registered.
    token = f"test-{uuid.uuid4()}"
    env = dict(os.environ)
    env[reaper.ENV] = token
    name = f"psm_qwenvl_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    out = f"/tmp/qwenvl-test-tracked-{uuid.uuid4()}"
    script = ('"$0" -c "$3" "$4" > "$5" & sleep 30 | env -u QWENVL_JEP_OWNER "$0" -S -E "$1" $$ "$2" & '
              'while [ ! -s "$5" ]; do sleep 0.05; done; sleep 0.3; kill -9 $$')
    shell = subprocess.Popen(["sh", "-c", script, sys.executable, REAPER, token, _TRACKED_UNHELD, name, out],
                             env=env, stderr=subprocess.PIPE)
    try:
        shell.wait(20)
        assert os.path.exists(out) and open(out).read().strip() == "made"
        assert _gone(name, 10), "the run's resource tracker removed it once the guard had killed its maker"
        deadline = time.time() + 5
        while reaper.marked(token) and time.time() < deadline:
            time.sleep(0.05)
        assert not reaper.marked(token), "the tracker ended too"
    finally:
        for pid in reaper.marked(token):
            os.kill(pid, 9)
        _unlink(name)
        if os.path.exists(out):
            os.unlink(out)
