"""Is one ``tokenizer.decode`` at the end byte-identical to vLLM's incremental detokenizing?
(prints, never fails)

The library's engine loop asks vLLM for each request's final output only
(``RequestOutputKind.FINAL_ONLY``), but vLLM still detokenizes every request incrementally at each
step (``FastIncrementalDetokenizer``: a ``tokenizers`` ``DecodeStream`` primed with the prompt).
Replacing that with ``detokenize=False`` and one decode of the output ids at the end would move
that work off the per-step path, but only if the text were the same. This feeds many generations
of random token ids (as the tiny random model writes them; a share of special tokens; some ending
on a stop token, which vLLM leaves out of the text) through vLLM's own incremental detokenizer,
token by token as the output processor does, and through one ``decode(skip_special_tokens=True)``,
and counts the texts that differ.

    python python/bench/detokenize_once.py .models/tiny-random/Qwen/Qwen2.5-VL-7B-Instruct [--generations 2000]
"""

import argparse
import random
import types


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--generations", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from transformers import AutoTokenizer
    from vllm.v1.engine.detokenizer import IncrementalDetokenizer

    tok = AutoTokenizer.from_pretrained(args.model)
    rng = random.Random(args.seed)
    special = sorted(tok.all_special_ids)
    prompt = tok("Describe the video.")["input_ids"]
    differ, shown = 0, 0
    for i in range(args.generations):
        length = rng.randint(1, 64)
        ids = [rng.choice(special) if rng.random() < 0.05 else rng.randrange(len(tok)) for _ in range(length)]
        stop_terminated = rng.random() < 0.3
        params = types.SimpleNamespace(stop=None, min_tokens=0, include_stop_str_in_output=False,
                                       skip_special_tokens=True, spaces_between_special_tokens=True)
        request = types.SimpleNamespace(sampling_params=params, prompt_token_ids=prompt, request_id=str(i))
        incremental = IncrementalDetokenizer.from_new_request(tok, request)
        for j, token in enumerate(ids):
            incremental.update([token], stop_terminated and j == length - 1)
        step_by_step = incremental.get_next_output_text(True, False)
        once = tok.decode(ids[:-1] if stop_terminated else ids, skip_special_tokens=True)
        if step_by_step != once:
            differ += 1
            if shown < 5:
                shown += 1
                print(f"differs: last ids {ids[-6:]}: incremental ...{step_by_step[-24:]!r}, once ...{once[-24:]!r}")
    print(f"{differ} of {args.generations} generations differ between vLLM's incremental detokenizer and one decode "
          f"at the end ({type(tok).__name__})")


if __name__ == "__main__":
    main()
