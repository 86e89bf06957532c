"""The feed benchmark sets a running instant core's sleep per step through vLLM's collective_rpc,
by the engine id Java holds (qwenvl_bridge.benchmark.set_instant_step_ms)."""

from qwenvl_bridge import benchmark, engines, instant_core


class _Llm:
    def __init__(self):
        self.calls = []

    def collective_rpc(self, method, args=()):
        self.calls.append((method, args))
        return [args[0]]


def test_the_step_time_goes_to_the_engines_core_by_its_id(monkeypatch):
    llm = _Llm()
    monkeypatch.setitem(engines._engines, 12345, llm)  # noqa: SLF001 - a registered engine without a watch
    assert benchmark.set_instant_step_ms(12345, 6) == [6.0]
    assert llm.calls == [(instant_core.STEP_MS_RPC, (6.0,))]
