"""python/gpu-check.sh without a GPU: it names what is missing, and with a stand-in nvidia-smi and
python (the GPU's answers forced on this CPU machine) its dry run prints the benchmark command."""

import os
import shutil
import stat
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "python", "gpu-check.sh")
BASH = shutil.which("bash") or "/bin/bash"


def _executable(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _run(args, path_dirs, env_extra=None, cwd=None):
    env = {"PATH": os.pathsep.join(path_dirs), "HOME": os.environ.get("HOME", "/tmp")}
    env.update(env_extra or {})
    return subprocess.run([BASH, SCRIPT] + args, env=env, capture_output=True, text=True, timeout=60, cwd=cwd)


@pytest.fixture()
def tools(tmp_path):
    """A PATH with bash's basics and java, but no nvidia-smi."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("date", "dirname", "head", "sed", "tail", "cat", "mkdir"):
        found = shutil.which(tool)
        if found:
            os.symlink(found, bin_dir / tool)
    java = shutil.which("java")
    if java:
        os.symlink(os.path.realpath(java), bin_dir / "java")
    return bin_dir


def test_without_nvidia_smi_it_stops_with_exit_2_naming_it(tools, tmp_path):
    result = _run(["--dry-run"], [str(tools)], {"QWENVL_CLI_JAR": str(tmp_path / "none.jar")})
    assert result.returncode == 2, result.stderr
    assert "nvidia-smi: not found" in result.stderr
    assert "none.jar" in result.stderr  # every missing piece is listed, not only the first


def test_with_a_gpu_the_dry_run_prints_the_benchmark_with_the_seed_settings(tools, tmp_path):
    if not shutil.which("java"):
        pytest.skip("java is not on PATH")
    _executable(tools / "nvidia-smi", "#!/bin/sh\necho 'NVIDIA H200, 143771 MiB, 570.124.06'\n")
    fake_python = _executable(tmp_path / "python", "#!/bin/sh\necho 'vllm 0.24.0 torch 2.11.0 jep 4.2.2'\n")
    jar = tmp_path / "qwenvl-cli.jar"
    jar.write_bytes(b"")
    result = _run(["--dry-run", "--python", str(fake_python)], [str(tools)], {"QWENVL_CLI_JAR": str(jar)})
    assert result.returncode == 0, result.stderr
    assert "GPU: NVIDIA H200, 143771 MiB" in result.stdout
    assert "benchmark --variant qwen --architecture published" in result.stdout
    assert "--precision fp8,bf16" in result.stdout
    assert "dry run: nothing measured" in result.stdout
