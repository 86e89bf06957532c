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
import re

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
        return f"vLLM's grammar backend (xgrammar {_version()}) cannot compile it: {_reason(error)}"
    return None


def _version():
    try:
        from importlib.metadata import version

        return version("xgrammar")
    except Exception:  # noqa: BLE001 - only for the message
        return "?"


def _reason(error):
    """xgrammar's message without its time stamp and source location (``[06:29:59] /project/x.cc:83: ``)."""
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    return re.sub(r"^\[[0-9:]+\]\s+\S+:\d+:\s*", "", lines[-1])
