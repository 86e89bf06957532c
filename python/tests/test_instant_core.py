"""The feed benchmark's instant engine core (qwenvl_bridge.instant_core), checked against the real
vLLM in a process of its own: this pytest session may hold the stand-in vllm of test_stream.py in
sys.modules, and the real one must not replace it there (nor the other way round). The checks
themselves are in real_vllm/instant_core_checks.py; they skip where vLLM is not installed."""

import os
import subprocess
import sys

CHECKS = os.path.join(os.path.dirname(__file__), "real_vllm", "instant_core_checks.py")


def test_the_instant_core_checks_pass_against_the_real_vllm():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [os.path.abspath(os.path.join(os.path.dirname(__file__), "..")), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", CHECKS],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode in (0, 5), result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout or " skipped" in result.stdout, result.stdout[-2000:]
