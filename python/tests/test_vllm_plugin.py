"""qwenvl_bridge.vllm_plugin: declared to vLLM as a general plugin, active only in child processes."""

import atexit
import gc
import multiprocessing
import os
import sys
from importlib.metadata import entry_points

import fresh_vllm
from qwenvl_bridge import vllm_plugin

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def test_the_bridge_folder_declares_the_plugin_to_vllm():
    found = {e.name: e for e in entry_points(group="vllm.general_plugins")}
    assert vllm_plugin.NAME in found, sorted(found)
    assert found[vllm_plugin.NAME].value == "qwenvl_bridge.vllm_plugin:register"
    assert found[vllm_plugin.NAME].load() is vllm_plugin.register


# vLLM's own discovery, in a fresh interpreter with the bridge folder on its path (fresh_vllm runs
# the checks of the installed vllm in one such interpreter for the session)
_FINDS_AND_LOADS = fresh_vllm.register(
    "vllm_plugin: vllm finds and loads it",
    "from vllm.plugins import load_plugins_by_group\n"
    "plugins = load_plugins_by_group('vllm.general_plugins')\n"
    "print(plugins[%r].__module__)\n" % vllm_plugin.NAME)


def test_vllm_itself_finds_and_loads_it():
    status, stdout, error = fresh_vllm.result(_FINDS_AND_LOADS)
    assert status == 0, error
    assert stdout.strip().splitlines()[-1] == "qwenvl_bridge.vllm_plugin"


def test_the_embedding_process_is_left_alone():
    before = atexit._ncallbacks()
    assert vllm_plugin.register() is False
    assert atexit._ncallbacks() == before


def _child(queue):
    import atexit as child_atexit

    from qwenvl_bridge import vllm_plugin as plugin
    before = child_atexit._ncallbacks()
    first = plugin.register()
    second = plugin.register()  # vLLM may load plugins more than once: one handler
    queue.put((first, second, child_atexit._ncallbacks() - before))


def test_a_spawned_child_freezes_its_objects_at_exit_once():
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child, args=(queue,))
    child.start()
    try:
        assert queue.get(timeout=60) == (True, True, 1)
    finally:
        child.join(60)
    assert child.exitcode == 0


def test_freezing_moves_the_tracked_objects_out_of_the_collectors_reach():
    kept = [[i] for i in range(1000)]
    try:
        vllm_plugin.freeze_at_exit()
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
