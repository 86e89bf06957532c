#!/usr/bin/env python3
"""Generate a tiny, randomly initialised Qwen3-VL model directory for end-to-end tests.

The sibling of ``make_tiny_qwen2_5_vl.py`` (whose tokenizer, weight writer and visible-token rule
it reuses), in the layout and with the kinds of files of the published Qwen3-VL checkpoints
(``Qwen3VLForConditionalGeneration``), so that vLLM loads it through its ordinary Qwen3-VL path:

* text model: hidden size 128, 2 layers, 2 attention heads of size 64, 1 key/value head,
  interleaved M-RoPE with sections [12, 10, 10] (sum == head_dim / 2);
* vision tower: hidden size 128, depth 2, patch 16 (resize factor 32), spatial merge 2, temporal
  patch 2, learned position embeddings on a 48 x 48 grid, one deepstack layer, output size == text
  hidden size;
* processors: Qwen3-VL's mean/std (0.5), its video processor with the checkpoint's bounds;
* chat template: Qwen3-VL's format, which has **no default system turn**.

Deterministic for a given ``--seed`` and the same versions of torch, transformers and tokenizers.
The weights are random: the output text is meaningless.

Usage:
    python make_tiny_qwen3_vl.py --out /tmp/tiny-qwen3-vl --seed 0

Requires: torch, transformers (with Qwen3-VL), tokenizers, safetensors.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_tiny_qwen2_5_vl as base  # noqa: E402  shared tokenizer, JSON and weight helpers

TEXT_HIDDEN = 128
TEXT_LAYERS = 2
TEXT_HEADS = 2  # head_dim = 64
TEXT_KV_HEADS = 1
TEXT_INTERMEDIATE = 256
MROPE_SECTION = [12, 10, 10]  # sum == head_dim / 2 == 32

VISION_HIDDEN = 128
VISION_DEPTH = 2
VISION_HEADS = 2
VISION_INTERMEDIATE = 256
VISION_POSITIONS = 48 * 48

MAX_POSITIONS = 32768
PATCH = 16
MERGE = 2
TEMPORAL_PATCH = 2
HALF = [0.5, 0.5, 0.5]

# Qwen3-VL's chat format: a system turn only when the conversation has one; text and media parts
# in order, media as <|vision_start|><|image_pad|>/<|video_pad|><|vision_end|>.
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}"
    "{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}"
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


def model_config() -> dict:
    """config.json in the layout of the published Qwen3-VL checkpoints."""
    tid = base.token_id
    return {
        "architectures": ["Qwen3VLForConditionalGeneration"],
        "model_type": "qwen3_vl",
        "transformers_version": "4.57.0",
        "image_token_id": tid("<|image_pad|>"),
        "video_token_id": tid("<|video_pad|>"),
        "vision_start_token_id": tid("<|vision_start|>"),
        "vision_end_token_id": tid("<|vision_end|>"),
        "tie_word_embeddings": True,
        "text_config": {
            "model_type": "qwen3_vl_text",
            "attention_bias": False,
            "attention_dropout": 0.0,
            "bos_token_id": tid("<|endoftext|>"),
            "eos_token_id": tid("<|im_end|>"),
            "dtype": "bfloat16",
            "head_dim": 64,
            "hidden_act": "silu",
            "hidden_size": TEXT_HIDDEN,
            "initializer_range": 0.02,
            "intermediate_size": TEXT_INTERMEDIATE,
            "max_position_embeddings": MAX_POSITIONS,
            "num_attention_heads": TEXT_HEADS,
            "num_hidden_layers": TEXT_LAYERS,
            "num_key_value_heads": TEXT_KV_HEADS,
            "rms_norm_eps": 1e-06,
            "rope_scaling": {"mrope_interleaved": True, "mrope_section": list(MROPE_SECTION), "rope_type": "default"},
            "rope_theta": 5000000,
            "tie_word_embeddings": True,
            "use_cache": True,
            "vocab_size": base.VOCAB_SIZE,
        },
        "vision_config": {
            "model_type": "qwen3_vl",
            "deepstack_visual_indexes": [VISION_DEPTH - 1],
            "depth": VISION_DEPTH,
            "hidden_act": "gelu_pytorch_tanh",
            "hidden_size": VISION_HIDDEN,
            "in_channels": 3,
            "initializer_range": 0.02,
            "intermediate_size": VISION_INTERMEDIATE,
            "num_heads": VISION_HEADS,
            "num_position_embeddings": VISION_POSITIONS,
            "out_hidden_size": TEXT_HIDDEN,
            "patch_size": PATCH,
            "spatial_merge_size": MERGE,
            "temporal_patch_size": TEMPORAL_PATCH,
        },
    }


def preprocessor_config() -> dict:
    return {
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": HALF,
        "image_processor_type": "Qwen2VLImageProcessorFast",
        "image_std": HALF,
        "merge_size": MERGE,
        "patch_size": PATCH,
        "processor_class": "Qwen3VLProcessor",
        "resample": 3,
        "rescale_factor": 1.0 / 255.0,
        "size": {"longest_edge": 16777216, "shortest_edge": 65536},
        "temporal_patch_size": TEMPORAL_PATCH,
    }


def video_preprocessor_config() -> dict:
    return {
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "do_sample_frames": True,
        "fps": 2,
        "image_mean": HALF,
        "image_std": HALF,
        "max_frames": 768,
        "merge_size": MERGE,
        "min_frames": 4,
        "patch_size": PATCH,
        "processor_class": "Qwen3VLProcessor",
        "resample": 3,
        "rescale_factor": 1.0 / 255.0,
        "size": {"longest_edge": 25165824, "shortest_edge": 4096},
        "temporal_patch_size": TEMPORAL_PATCH,
        "video_processor_type": "Qwen3VLVideoProcessor",
    }


def write_weights(out: str, seed: int, tok, n_learned: int) -> int:
    import torch
    from safetensors.torch import save_file
    from transformers import AutoConfig, Qwen3VLForConditionalGeneration

    torch.manual_seed(seed)
    config = AutoConfig.from_pretrained(out)
    model = Qwen3VLForConditionalGeneration(config).to(torch.bfloat16).eval()
    base._prefer_visible_tokens(model, tok, n_learned)
    state, seen = {}, set()
    for name, tensor in sorted(model.state_dict().items()):
        if name.endswith("lm_head.weight"):
            continue  # tied to the input embeddings
        if tensor.data_ptr() in seen:
            continue
        seen.add(tensor.data_ptr())
        state[name] = tensor.detach().contiguous().clone()
    save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    return sum(t.numel() for t in state.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory (created; files overwritten)")
    parser.add_argument("--seed", type=int, default=0, help="torch seed for the random weights")
    args = parser.parse_args(argv)

    start = time.monotonic()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    base.write_json(os.path.join(out, "config.json"), model_config())
    generation = base.generation_config()
    generation.update({"temperature": 0.7, "top_k": 20, "top_p": 0.8, "repetition_penalty": 1.0})
    base.write_json(os.path.join(out, "generation_config.json"), generation)

    tok, n_learned = base.build_tokenizer()
    tok.save(os.path.join(out, "tokenizer.json"), pretty=False)
    tokenizer_config = base.tokenizer_config()
    tokenizer_config["chat_template"] = CHAT_TEMPLATE
    tokenizer_config["processor_class"] = "Qwen3VLProcessor"
    base.write_json(os.path.join(out, "tokenizer_config.json"), tokenizer_config)
    base.write_json(os.path.join(out, "special_tokens_map.json"), {
        "additional_special_tokens": base.SPECIAL_TOKENS[1:],
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
    })
    base.write_json(os.path.join(out, "chat_template.json"), {"chat_template": CHAT_TEMPLATE})
    base.write_json(os.path.join(out, "preprocessor_config.json"), preprocessor_config())
    base.write_json(os.path.join(out, "video_preprocessor_config.json"), video_preprocessor_config())

    n_params = write_weights(out, args.seed, tok, n_learned)
    with open(os.path.join(out, base.RANDOM_WEIGHTS_MARKER), "w", encoding="utf-8") as marker:
        marker.write(
            "These weights are random (generated by python/tools/make_tiny_qwen3_vl.py, "
            f"seed {args.seed}). The model's captions are noise: it exists to test the pipeline.\n"
        )
    print(f"wrote {out}: {n_params / 1e6:.1f}M parameters, vocab {base.VOCAB_SIZE}, "
          f"{time.monotonic() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
