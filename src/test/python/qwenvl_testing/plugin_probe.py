"""What a process that vLLM would spawn from the embedded interpreter sees of qwenvl's vLLM plugin."""

import multiprocessing


def _child(queue):
    from importlib.metadata import entry_points

    from qwenvl_bridge import vllm_plugin
    found = [e.value for e in entry_points(group="vllm.general_plugins") if e.name == vllm_plugin.NAME]
    queue.put([found, vllm_plugin.register()])


def in_spawned_child():
    """``[entry point values named qwenvl_jep, register() there]`` from a child started as vLLM
    starts its engine core here (multiprocessing's spawn, the parent's sys.path)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child, args=(queue,), daemon=True)
    child.start()
    try:
        return queue.get(timeout=120)
    finally:
        child.join(30)


def here():
    """register() in the embedding process itself."""
    from qwenvl_bridge import vllm_plugin
    return vllm_plugin.register()
