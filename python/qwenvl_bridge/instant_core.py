"""The feed benchmark's instant engine core: a vLLM executor that runs no model.

Used only by ``qwenvl benchmark --feed-only`` (``dev.qwenvl.benchmark.FeedBenchmark``); nothing
in the caption path imports it. The benchmark names it as a value,
``distributed_executor_backend="qwenvl_bridge.instant_core.InstantExecutor"`` (vLLM resolves an
executor by its import path), so everything else stays vLLM's own: the ``LLM`` front end
(renderer, Hugging Face video processor, tokenizer, input and output processing, detokenizer),
the engine-core process and its scheduler. Only the executor, where the model would run, is
replaced:

* no worker and no weights: nothing is loaded and nothing is allocated;
* the KV cache it reports is one small attention layer with room for :data:`KV_CACHE_TOKENS`
  tokens (a number for the scheduler's block accounting, never memory);
* each step answers every scheduled request whose prompt is complete with one token of a fixed
  sequence (:func:`token_for`), and nothing for a prompt still being prefilled in chunks, as a
  model runner does; the scheduler stops each request at its ``max_tokens`` (the benchmark sets
  ``ignore_eos``), so every caption is exactly ``--max-output-tokens`` long;
* with ``additional_config={"qwenvl_instant_core": {"step_ms": S}}`` each step sleeps ``S`` ms
  first, standing for an accelerator step. The sleep is in the engine-core process and releases
  its GIL; the embedded interpreter's GIL is never involved. :data:`STEP_MS_RPC` changes it on a
  running engine (``LLM.collective_rpc(STEP_MS_RPC, args=(S,))``, between passes), so that one set
  of engines serves every pass of the benchmark.

``InstantExecutor`` subclasses vLLM's ``Executor``, so it is defined on first use
(:func:`__getattr__`, the way vLLM's ``resolve_obj_by_qualname`` reaches it): the module itself
imports without vLLM, like every module of the package.
"""

import time
from concurrent.futures import Future

#: The key under vLLM's ``additional_config`` that holds this core's settings.
CONFIG_KEY = "qwenvl_instant_core"
#: The ``collective_rpc`` method that sets a running core's sleep per step (milliseconds).
STEP_MS_RPC = "qwenvl_instant_step_ms"
#: Tokens the reported KV cache holds (enough for many 32768-token requests at once).
KV_CACHE_TOKENS = 1 << 22
#: The reported cache: one layer, one KV head of 64 fp16 values; 16 tokens per block.
_BLOCK_SIZE = 16
_HEAD_SIZE = 64
#: Output tokens cycle through these ids: ordinary (non-special) tokens of Qwen's vocabulary.
FIRST_TOKEN = 1000
TOKEN_CYCLE = 100


def token_for(position):
    """The id of the ``position``-th output token (0-based) of every request."""
    return FIRST_TOKEN + position % TOKEN_CYCLE


def settings(vllm_config):
    """This core's settings from ``additional_config``: ``{"step_ms": float}``."""
    extra = getattr(vllm_config, "additional_config", None) or {}
    mine = extra.get(CONFIG_KEY) or {}
    return {"step_ms": float(mine.get("step_ms", 0) or 0)}


def __getattr__(name):
    """``InstantExecutor``, defined on first use (it needs vLLM); other names do not exist."""
    if name == "InstantExecutor":
        cls = _define_executor()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _define_executor():
    from vllm.v1.executor.abstract import Executor

    class InstantExecutor(Executor):
        """An executor with no worker; see the module notes."""

        def _init_executor(self):
            self._step_s = settings(self.vllm_config)["step_ms"] / 1000.0
            self._prompt_len = {}  # request id -> prompt tokens
            self._computed = {}  # request id -> tokens the "model" has seen
            self._sampled = {}  # request id -> output tokens answered so far
            self.steps = 0

        # --- what the engine core asks at start ------------------------------------------------

        def collective_rpc(self, method, timeout=None, args=(), kwargs=None, non_block=False):
            name = method if isinstance(method, str) else getattr(method, "__name__", "callable")
            handler = getattr(self, "_rpc_" + name, None)
            result = [handler(*args, **(kwargs or {}))] if handler is not None else [None]
            if non_block:
                future = Future()
                future.set_result(result)
                return future
            return result

        def _rpc_get_kv_cache_spec(self):
            import torch
            from vllm.v1.kv_cache_interface import FullAttentionSpec

            return {"qwenvl_instant_core.layer0": FullAttentionSpec(block_size=_BLOCK_SIZE, num_kv_heads=1,
                                                                     head_size=_HEAD_SIZE, dtype=torch.float16)}

        def _rpc_determine_available_memory(self):
            return KV_CACHE_TOKENS * 2 * _HEAD_SIZE * 2  # K and V, fp16

        def _rpc_get_supported_kv_cache_layouts(self):
            return ["LBNHC", "LBHNC"]

        def _rpc_get_supported_tasks(self):
            return ("generate",)

        def _rpc_qwenvl_instant_step_ms(self, step_ms):
            step_ms = float(step_ms)
            if not step_ms >= 0:
                raise ValueError(f"step_ms must be 0 or more, got {step_ms}")
            self._step_s = step_ms / 1000.0
            return step_ms

        def _rpc_compile_or_warm_up_model(self):
            return None

        def _rpc_supports_draft_weight_updates(self):
            return False

        def determine_available_memory(self):
            return self.collective_rpc("determine_available_memory")

        def compile_or_warm_up_model(self):
            return None  # nothing to compile

        def check_health(self):
            return None

        def shutdown(self):
            return None

        @classmethod
        def supports_async_scheduling(cls):
            return False

        # --- the steps ---------------------------------------------------------------------------

        def execute_model(self, scheduler_output, non_block=False):
            output = self._step(scheduler_output)
            if non_block:
                future = Future()
                future.set_result(output)
                return future
            return output

        def sample_tokens(self, grammar_output, non_block=False):
            raise RuntimeError("the instant core answers in execute_model; sample_tokens is never needed")

        def take_draft_token_ids(self):
            return None

        def _step(self, scheduler_output):
            from vllm.v1.outputs import ModelRunnerOutput

            if self._step_s > 0:
                time.sleep(self._step_s)  # an accelerator step: no CPU, GIL released
            self.steps += 1
            for req_id in scheduler_output.finished_req_ids:
                self._forget(req_id)
            for new in scheduler_output.scheduled_new_reqs:
                self._prompt_len[new.req_id] = len(new.prompt_token_ids or ())
                self._computed[new.req_id] = int(new.num_computed_tokens)
                self._sampled[new.req_id] = 0
            cached = scheduler_output.scheduled_cached_reqs
            for req_id, computed in zip(cached.req_ids, cached.num_computed_tokens):
                if req_id in self._computed:
                    self._computed[req_id] = int(computed)
            req_ids, sampled = [], []
            for req_id, scheduled in scheduler_output.num_scheduled_tokens.items():
                req_ids.append(req_id)
                seen = self._computed.get(req_id, 0) + int(scheduled)
                self._computed[req_id] = seen
                if seen < self._prompt_len.get(req_id, 0):
                    sampled.append([])  # a prompt chunk: nothing sampled yet
                    continue
                position = self._sampled.get(req_id, 0)
                self._sampled[req_id] = position + 1
                sampled.append([token_for(position)])
            return ModelRunnerOutput(req_ids=req_ids, req_id_to_index={r: i for i, r in enumerate(req_ids)},
                                     sampled_token_ids=sampled)

        def _forget(self, req_id):
            self._prompt_len.pop(req_id, None)
            self._computed.pop(req_id, None)
            self._sampled.pop(req_id, None)

    InstantExecutor.__qualname__ = "InstantExecutor"  # importable by this name (pickle, vLLM's resolver)
    return InstantExecutor
