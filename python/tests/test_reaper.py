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
