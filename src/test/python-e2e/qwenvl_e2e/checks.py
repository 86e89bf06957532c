"""What the end-to-end tests ask the real environment."""

import dataclasses
import inspect


def vllm_engine_fields():
    """Names of vllm.EngineArgs fields (what vllm.LLM(**kwargs) accepts besides its own)."""
    from vllm.engine.arg_utils import EngineArgs

    return sorted(f.name for f in dataclasses.fields(EngineArgs))


def vllm_llm_parameters():
    """Named parameters of vllm.LLM.__init__."""
    from vllm import LLM

    return sorted(inspect.signature(LLM.__init__).parameters)


def vllm_sampling_fields():
    """Names vllm.SamplingParams accepts."""
    from vllm import SamplingParams

    fields = getattr(SamplingParams, "__struct_fields__", None)
    if fields is None:
        fields = inspect.signature(SamplingParams).parameters
    return sorted(fields)


def versions():
    import torch
    import vllm

    return {"vllm": vllm.__version__, "torch": torch.__version__}


def token_count(model_path, text):
    """Tokens of ``text`` under the model's own tokenizer (no special tokens added)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(f"{model_path}/tokenizer.json")
    return len(tok.encode(text, add_special_tokens=False).ids)


def engines_open():
    from qwenvl_bridge import engine

    return engine.count()
