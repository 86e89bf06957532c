"""The start method the embedded runtime gives vLLM: spawn unless chosen, never fork."""

import pytest

from qwenvl_bridge import start_method


def test_spawn_is_set_when_no_method_is_chosen():
    environ = {}
    assert start_method.require_spawn(environ) == "spawn"
    assert environ == {"VLLM_WORKER_MULTIPROC_METHOD": "spawn"}


def test_an_empty_value_counts_as_unset():
    environ = {"VLLM_WORKER_MULTIPROC_METHOD": " "}
    assert start_method.require_spawn(environ) == "spawn"
    assert environ["VLLM_WORKER_MULTIPROC_METHOD"] == "spawn"


@pytest.mark.parametrize("value", ["fork", "FORK", " fork "])
def test_fork_is_refused_naming_the_variable_and_the_fix(value):
    environ = {"VLLM_WORKER_MULTIPROC_METHOD": value}
    with pytest.raises(start_method.UnsafeStartMethod) as error:
        start_method.require_spawn(environ)
    message = str(error.value)
    assert "VLLM_WORKER_MULTIPROC_METHOD=fork" in message
    assert "unset VLLM_WORKER_MULTIPROC_METHOD" in message and "=spawn" in message
    assert environ["VLLM_WORKER_MULTIPROC_METHOD"] == value  # left as the user set it


def test_a_users_spawn_is_kept():
    environ = {"VLLM_WORKER_MULTIPROC_METHOD": "spawn"}
    assert start_method.require_spawn(environ) == "spawn"
