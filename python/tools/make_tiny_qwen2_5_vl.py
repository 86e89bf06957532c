#!/usr/bin/env python3
"""Generate a tiny, randomly initialised Qwen2.5-VL model directory for end-to-end tests.

The directory has the same layout and the same kinds of files as a real Qwen2.5-VL
checkpoint (config.json, model.safetensors, generation_config.json, tokenizer.json,
tokenizer_config.json, chat_template.json, preprocessor_config.json,
video_preprocessor_config.json), so that vLLM loads it through its ordinary
``Qwen2_5_VLForConditionalGeneration`` path, but every dimension is tiny:

* text model: hidden size 128, 2 layers, 2 attention heads of size 64 (a head size the
  vLLM CPU attention backend supports), 1 key/value head, M-RoPE sections [8, 12, 12]
  (sum == head_dim / 2);
* vision tower: hidden size 128, depth 2, patch 14, spatial merge 2, temporal patch 2,
  window attention with one full-attention block, output size == text hidden size;
* tokenizer: a byte-level BPE trained on a few fixed sentences, padded with filler
  tokens so that Qwen's special tokens keep their real ids (``<|endoftext|>`` = 151643 ...
  ``<|video_pad|>`` = 151656, up to 151664). The vocabulary is therefore as large as
  Qwen's, but with hidden size 128 and tied embeddings the weights stay ~40 MB.

Nothing is downloaded. The output is deterministic for a given ``--seed`` and the same
versions of torch, transformers and tokenizers: the weights come from
``torch.manual_seed(seed)``, and every JSON file is written with sorted keys.

The generated model is random: its output text is meaningless. It exists to exercise the
real loading, pre-processing, scheduling and sampling code, fast, on a CPU.

The tied embedding rows of special, filler, whitespace-only and partial-byte tokens are zeroed, so
near-greedy decoding emits visible word pieces (a non-empty "caption") rather than
newlines or an immediate end of turn.

Usage:
    python make_tiny_qwen2_5_vl.py --out /tmp/tiny-qwen2.5-vl --seed 0

Requires: torch, transformers (with Qwen2.5-VL), tokenizers, safetensors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

# ---------------------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------------------

TEXT_HIDDEN = 128
TEXT_LAYERS = 2
TEXT_HEADS = 2  # head_dim = 64
TEXT_KV_HEADS = 1
TEXT_INTERMEDIATE = 256
MROPE_SECTION = [8, 12, 12]  # sum == head_dim / 2 == 32

VISION_HIDDEN = 128
VISION_DEPTH = 2
VISION_HEADS = 2  # head_dim = 64
VISION_INTERMEDIATE = 256

MAX_POSITIONS = 32768

# Qwen2 special tokens with their real ids. The first id is the size of Qwen's base BPE
# vocabulary; everything below it is ordinary (non-special) vocabulary.
FIRST_SPECIAL_ID = 151643
SPECIAL_TOKENS = [
    "<|endoftext|>",  # 151643
    "<|im_start|>",  # 151644
    "<|im_end|>",  # 151645
    "<|object_ref_start|>",  # 151646
    "<|object_ref_end|>",  # 151647
    "<|box_start|>",  # 151648
    "<|box_end|>",  # 151649
    "<|quad_start|>",  # 151650
    "<|quad_end|>",  # 151651
    "<|vision_start|>",  # 151652
    "<|vision_end|>",  # 151653
    "<|vision_pad|>",  # 151654
    "<|image_pad|>",  # 151655
    "<|video_pad|>",  # 151656
]
# Tokens that Qwen marks as added but not special (tool calling and FIM markers).
NON_SPECIAL_ADDED_TOKENS = [
    "<tool_call>",  # 151657
    "</tool_call>",  # 151658
    "<|fim_prefix|>",  # 151659
    "<|fim_middle|>",  # 151660
    "<|fim_suffix|>",  # 151661
    "<|fim_pad|>",  # 151662
    "<|repo_name|>",  # 151663
    "<|file_sep|>",  # 151664
]
VOCAB_SIZE = FIRST_SPECIAL_ID + len(SPECIAL_TOKENS) + len(NON_SPECIAL_ADDED_TOKENS)  # 151665


def token_id(token: str) -> int:
    return FIRST_SPECIAL_ID + (SPECIAL_TOKENS + NON_SPECIAL_ADDED_TOKENS).index(token)


# The same pre-tokenisation rule as Qwen2's tokenizer (public constant of the format).
QWEN2_PRETOKENIZE_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# A few sentences to learn some merges from, so that ordinary text does not split into
# single bytes only. Fixed text: the result is deterministic.
TRAINING_TEXT = [
    "You are a helpful assistant.",
    "Describe the video in detail.",
    "A person walks a dog along the beach at sunset while waves roll in.",
    "The camera pans slowly across a busy city street with cars and people.",
    "A red ball bounces on a wooden floor in a small room.",
    "Rewrite the caption so that it is short, precise and in the present tense.",
    "The quick brown fox jumps over the lazy dog.",
    "system user assistant video image frame caption scene motion object color",
]
BPE_TRAIN_VOCAB = 1024

# Qwen2.5-VL's chat format: a default system turn, text and media parts in order,
# media as <|vision_start|><|image_pad|>/<|video_pad|><|vision_end|>. No whitespace
# control: the literal newlines are part of the format.
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}"
    "{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n"
    "{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' or 'image' in part or 'image_url' in part %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'video' or 'video' in part %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in part %}"
    "{{ part['text'] }}"
    "{% endif %}"
    "{% endfor %}"
    "<|im_end|>\n"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
PATCH = 14
MERGE = 2
TEMPORAL_PATCH = 2
MIN_PIXELS = 56 * 56  # 3136, as Qwen2.5-VL
MAX_PIXELS = 28 * 28 * 1280  # 1003520: the usual serving limit, plenty for tests


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


def write_json(path: str, obj: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")


def model_config() -> dict:
    """config.json in the layout of the published Qwen2.5-VL checkpoints."""
    return {
        "architectures": ["Qwen2_5_VLForConditionalGeneration"],
        # A pre-5.0 version, as in the published checkpoints: tells transformers 5 this
        # is a legacy-layout config and not a Mistral tokenizer needing a regex fix.
        "transformers_version": "4.49.0",
        "model_type": "qwen2_5_vl",
        "attention_dropout": 0.0,
        "bos_token_id": token_id("<|endoftext|>"),
        "eos_token_id": token_id("<|im_end|>"),
        "hidden_act": "silu",
        "hidden_size": TEXT_HIDDEN,
        "image_token_id": token_id("<|image_pad|>"),
        "video_token_id": token_id("<|video_pad|>"),
        "vision_start_token_id": token_id("<|vision_start|>"),
        "vision_end_token_id": token_id("<|vision_end|>"),
        "vision_token_id": token_id("<|vision_pad|>"),
        "initializer_range": 0.02,
        "intermediate_size": TEXT_INTERMEDIATE,
        "max_position_embeddings": MAX_POSITIONS,
        "max_window_layers": TEXT_LAYERS,
        "num_attention_heads": TEXT_HEADS,
        "num_hidden_layers": TEXT_LAYERS,
        "num_key_value_heads": TEXT_KV_HEADS,
        "rms_norm_eps": 1e-06,
        "rope_scaling": {"type": "mrope", "mrope_section": list(MROPE_SECTION)},
        "rope_theta": 1000000.0,
        "sliding_window": MAX_POSITIONS,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": VOCAB_SIZE,
        "vision_config": {
            "model_type": "qwen2_5_vl",
            "depth": VISION_DEPTH,
            "hidden_act": "silu",
            "hidden_size": VISION_HIDDEN,
            "intermediate_size": VISION_INTERMEDIATE,
            "num_heads": VISION_HEADS,
            "in_chans": 3,
            "out_hidden_size": TEXT_HIDDEN,
            "patch_size": PATCH,
            "spatial_merge_size": MERGE,
            "spatial_patch_size": PATCH,
            "temporal_patch_size": TEMPORAL_PATCH,
            "tokens_per_second": 2,
            "window_size": 112,
            "fullatt_block_indexes": [VISION_DEPTH - 1],
        },
    }


def generation_config() -> dict:
    return {
        "bos_token_id": token_id("<|endoftext|>"),
        "do_sample": True,
        "eos_token_id": [token_id("<|im_end|>"), token_id("<|endoftext|>")],
        "pad_token_id": token_id("<|endoftext|>"),
        "repetition_penalty": 1.05,
        "temperature": 0.1,
        "top_k": 1,
        "top_p": 0.001,
    }


def build_tokenizer():
    """A byte-level BPE with Qwen2's pipeline and Qwen's special-token ids.

    Returns (tokenizer, n_learned): ids below n_learned are the trained BPE tokens.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors, trainers

    def pipeline(tok):
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
        tok.decoder = decoders.ByteLevel()
        tok.post_processor = processors.ByteLevel(trim_offsets=False)

    learner = Tokenizer(models.BPE())
    pipeline(learner)
    trainer = trainers.BpeTrainer(
        vocab_size=BPE_TRAIN_VOCAB,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    learner.train_from_iterator(TRAINING_TEXT, trainer=trainer)
    learned = json.loads(learner.to_str())["model"]
    vocab: dict[str, int] = dict(learned["vocab"])
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in learned["merges"]]

    # Fill ids len(vocab)..151642 with distinct filler tokens. They are made of
    # characters that byte-level decoding maps to themselves, so any of them decodes
    # to readable text ("<r123>"); BPE never produces them from input text.
    n_learned = len(vocab)
    next_id = n_learned
    n = 0
    while next_id < FIRST_SPECIAL_ID:
        filler = f"<r{n}>"
        n += 1
        if filler in vocab:
            continue
        vocab[filler] = next_id
        next_id += 1
    assert len(vocab) == FIRST_SPECIAL_ID

    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False))
    pipeline(tok)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in NON_SPECIAL_ADDED_TOKENS])
    for t in SPECIAL_TOKENS + NON_SPECIAL_ADDED_TOKENS:
        got = tok.token_to_id(t)
        if got != token_id(t):
            raise RuntimeError(f"token {t} got id {got}, expected {token_id(t)}")
    return tok, n_learned


def tokenizer_config() -> dict:
    added = {}
    for t in SPECIAL_TOKENS + NON_SPECIAL_ADDED_TOKENS:
        added[str(token_id(t))] = {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": t in SPECIAL_TOKENS,
        }
    return {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": added,
        "additional_special_tokens": SPECIAL_TOKENS[1:],
        "bos_token": None,
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": 131072,
        "pad_token": "<|endoftext|>",
        "processor_class": "Qwen2_5_VLProcessor",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }


def preprocessor_config() -> dict:
    return {
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": CLIP_MEAN,
        "image_processor_type": "Qwen2VLImageProcessor",
        "image_std": CLIP_STD,
        "max_pixels": MAX_PIXELS,
        "merge_size": MERGE,
        "min_pixels": MIN_PIXELS,
        "patch_size": PATCH,
        "processor_class": "Qwen2_5_VLProcessor",
        "resample": 3,
        "rescale_factor": 1.0 / 255.0,
        "size": {"longest_edge": MAX_PIXELS, "shortest_edge": MIN_PIXELS},
        "temporal_patch_size": TEMPORAL_PATCH,
    }


def video_preprocessor_config() -> dict:
    cfg = preprocessor_config()
    del cfg["image_processor_type"]
    cfg["video_processor_type"] = "Qwen2VLVideoProcessor"
    cfg["do_sample_frames"] = False
    return cfg


def _prefer_visible_tokens(model, tok, n_learned: int) -> None:
    """Zero the (tied) embedding rows of every token a caption should not be made of.

    With tied embeddings a zero row has logit exactly 0, while the best of the remaining
    random logits is positive, so greedy decoding picks learned BPE tokens that contain
    visible text: the random model "captions" with word pieces instead of newlines,
    fillers, partial UTF-8 bytes (which decode to nothing printable alone) or an immediate
    <|im_end|>. Kept: learned tokens that decode, alone, to complete text with a non-space
    character.
    """
    import torch

    emb = model.get_input_embeddings().weight
    keep = torch.zeros(emb.shape[0], dtype=torch.bool)
    for i in range(n_learned):
        piece = tok.decode([i])
        if piece.strip() and "\ufffd" not in piece:
            keep[i] = True
    with torch.no_grad():
        emb[~keep] = 0


def write_weights(out: str, seed: int, tok, n_learned: int) -> int:
    import torch
    from transformers import AutoConfig, Qwen2_5_VLForConditionalGeneration

    torch.manual_seed(seed)
    config = AutoConfig.from_pretrained(out)
    model = Qwen2_5_VLForConditionalGeneration(config)
    model = model.to(torch.bfloat16).eval()
    _prefer_visible_tokens(model, tok, n_learned)
    # Write the tensors ourselves (sorted names, no run-dependent metadata) so that the
    # same seed gives byte-identical files.
    from safetensors.torch import save_file

    state = {}
    seen = set()
    for name, tensor in sorted(model.state_dict().items()):
        if config.tie_word_embeddings and name.endswith("lm_head.weight"):
            continue
        ptr = tensor.data_ptr()
        if ptr in seen:
            continue
        seen.add(ptr)
        state[name] = tensor.detach().contiguous().clone()
    save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    return sum(t.numel() for t in state.values())


#: File written beside the weights; the CLI warns that captions are noise when it sees it.
RANDOM_WEIGHTS_MARKER = "RANDOM_WEIGHTS.txt"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory (created; files overwritten)")
    parser.add_argument("--seed", type=int, default=0, help="torch seed for the random weights")
    args = parser.parse_args(argv)

    start = time.monotonic()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)

    write_json(os.path.join(out, "config.json"), model_config())
    write_json(os.path.join(out, "generation_config.json"), generation_config())

    tok, n_learned = build_tokenizer()
    # tokenizers writes JSON with stable ordering; the vocabulary is a sorted map.
    tok.save(os.path.join(out, "tokenizer.json"), pretty=False)
    write_json(os.path.join(out, "tokenizer_config.json"), tokenizer_config())
    write_json(os.path.join(out, "special_tokens_map.json"), {
        "additional_special_tokens": SPECIAL_TOKENS[1:],
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
    })
    write_json(os.path.join(out, "chat_template.json"), {"chat_template": CHAT_TEMPLATE})
    write_json(os.path.join(out, "preprocessor_config.json"), preprocessor_config())
    write_json(os.path.join(out, "video_preprocessor_config.json"), video_preprocessor_config())

    n_params = write_weights(out, args.seed, tok, n_learned)
    with open(os.path.join(out, RANDOM_WEIGHTS_MARKER), "w", encoding="utf-8") as marker:
        marker.write(
            "These weights are random (generated by python/tools/make_tiny_qwen2_5_vl.py, "
            f"seed {args.seed}). The model's captions are noise: it exists to test the pipeline.\n"
        )
    print(
        f"wrote {out}: {n_params / 1e6:.1f}M parameters, vocab {VOCAB_SIZE}, "
        f"{time.monotonic() - start:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
