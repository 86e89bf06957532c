"""Checks a JSON Schema for structured captions before any model loads.

:func:`problem` compiles the schema with xgrammar, the grammar backend vLLM installs and uses by
default for ``structured_outputs`` (``json=...``), without a tokenizer: a schema xgrammar cannot
turn into a grammar (an unclosed ``pattern``, a keyword it cannot honour) is reported here, in
seconds, instead of failing every request after the weights have loaded. Java checks first that
the text is JSON and a valid JSON Schema (``dev.qwenvl.caption.CaptionSchema``); this module only
answers what vLLM's grammar backend makes of it.
"""

import json
import logging

log = logging.getLogger(__name__)


def problem(schema_text):
    """None when xgrammar compiles ``schema_text``; else one line saying why not.

    Compiled as vLLM compiles it with ``disable_any_whitespace`` (compact JSON, see
    :func:`qwenvl_bridge.vllm_api.structured_output`). When xgrammar is not installed (a vLLM
    without it), nothing can be checked here and None is returned (logged).
    """
    try:
        json.loads(schema_text)
    except ValueError as error:
        return f"not JSON: {error}"
    try:
        import xgrammar
    except ImportError:
        log.warning("xgrammar is not installed: the caption schema is not compiled before the model loads")
        return None
    try:
        xgrammar.Grammar.from_json_schema(schema_text, any_whitespace=False)
    except Exception as error:  # noqa: BLE001 - xgrammar raises RuntimeError/ValueError with its reason
        return f"vLLM's grammar backend (xgrammar {getattr(xgrammar, '__version__', '?')}) cannot compile it: " \
               f"{str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__}"
    return None
