"""Token counts with a model's own tokenizer, before (and without) loading the model.

Used to refuse a prompt that cannot fit the model's context before minutes are spent loading
the weights. Reads ``tokenizer.json`` from the weights folder with the ``tokenizers`` package
(installed with vLLM); no model code and no transformers import.
"""

import functools
import logging
import os

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _tokenizer(path):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(path)


def count(weights_dir, texts):
    """Token counts of ``texts`` (special-token spellings count as the one token they are), or
    ``None`` when the folder has no ``tokenizer.json`` or ``tokenizers`` is not installed: the
    caller then skips its check (the engine will report what is missing when it loads)."""
    path = os.path.join(str(weights_dir), "tokenizer.json")
    if not os.path.isfile(path):
        log.debug("no %s: prompt length not checked before loading", path)
        return None
    try:
        tokenizer = _tokenizer(path)
    except ImportError:
        log.debug("tokenizers is not installed: prompt length not checked before loading")
        return None
    return [len(tokenizer.encode(str(t), add_special_tokens=False).ids) for t in texts]
