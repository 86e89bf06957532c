"""Model families as data: ``families.json`` beside this file, read by Python and by Java.

One entry per family (Qwen2.5-VL, Qwen3-VL) holds what differs between them: the model id and
pinned revision, the vision patch geometry (resize factor = patch size x spatial merge), the video
pixel bounds and window budget (in vision tokens, as qwen-vl-utils and NeMo Curator state them),
the normalisation mean/std and the chat format. Adding a family means adding an entry.

The video sizing rules are qwen-vl-utils' (``fetch_video``), which NeMo Curator and transformers'
``cap_pixels_per_frame`` follow:

* per-frame bounds: ``min_pixels = video_min_tokens_per_frame * factor**2`` and
  ``max_pixels = video_max_tokens_per_frame * factor**2``;
* a window of ``T`` frames shares ``total_pixels = video_window_tokens * factor**2``, counted per
  temporal patch (``T / temporal_patch_size`` of them), and never below ``int(min_pixels * 1.05)``
  per frame: :meth:`Family.frame_max_pixels`.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "families.json")


@dataclass(frozen=True)
class Family:
    keys: tuple
    name: str
    model_id: str
    revision: str
    patch_size: int
    spatial_merge_size: int
    temporal_patch_size: int
    video_min_tokens_per_frame: int
    video_max_tokens_per_frame: int
    video_window_tokens: int
    image_mean: tuple
    image_std: tuple
    default_system_prompt: Optional[str]
    prompt_tokens_per_temporal_patch: int
    processor_pixel_bounds: str

    @property
    def key(self) -> str:
        """The canonical key (the first of :attr:`keys`)."""
        return self.keys[0]

    @property
    def factor(self) -> int:
        """Frame sides are multiples of this: one merged vision token covers factor x factor pixels."""
        return self.patch_size * self.spatial_merge_size

    @property
    def min_pixels(self) -> int:
        return self.video_min_tokens_per_frame * self.factor ** 2

    @property
    def max_pixels(self) -> int:
        return self.video_max_tokens_per_frame * self.factor ** 2

    @property
    def total_pixels(self) -> int:
        return self.video_window_tokens * self.factor ** 2

    def frame_max_pixels(self, frames: int) -> float:
        """Largest frame area in a window of ``frames`` frames (qwen-vl-utils' rule)."""
        if frames <= 0:
            raise ValueError(f"frames must be positive, got {frames}")
        share = self.total_pixels / frames * self.temporal_patch_size
        return max(min(self.max_pixels, share), int(self.min_pixels * 1.05))

    def video_tokens(self, frames: int, height: int, width: int) -> int:
        """Vision tokens a window of ``frames`` frames of ``height`` x ``width`` (multiples of the
        factor) costs in the prompt, text timestamps included where the family writes them."""
        patches = math.ceil(frames / self.temporal_patch_size)
        per_patch = (height // self.factor) * (width // self.factor)
        return patches * (per_patch + self.prompt_tokens_per_temporal_patch)


    def processor_bounds(self, frames: int) -> dict:
        """vLLM processor arguments that make the model's own processor size a window of
        ``frames`` raw frames as :meth:`frame_max_pixels` says (``model_does_preprocess``).

        Qwen2.5-VL's video processor bounds each frame (``per_frame``); Qwen3-VL's bounds the
        whole clip, frames x height x width (``per_video``), so its bounds scale with ``frames``.
        transformers takes whole numbers only, so the upper bound is rounded down (frame areas are
        whole numbers: "area > bound" does not change; only the scale of a frame that is too large
        moves by less than a pixel in a million).
        """
        low, high = self.min_pixels, self.frame_max_pixels(frames)
        if self.processor_pixel_bounds == "per_video":
            return {"min_pixels": low * frames, "max_pixels": math.floor(high * frames), "cap_pixels_per_frame": False}
        return {"min_pixels": low, "max_pixels": math.floor(high)}


@lru_cache(maxsize=1)
def _all() -> dict:
    with open(_PATH, encoding="utf-8") as f:
        data = json.load(f)
    families = {}
    for entry in data["families"]:
        entry = dict(entry)
        entry["keys"] = tuple(entry["keys"])
        entry["image_mean"] = tuple(entry["image_mean"])
        entry["image_std"] = tuple(entry["image_std"])
        family = Family(**entry)
        for key in family.keys:
            families[key] = family
    return families


def get(key: str) -> Family:
    """The family for ``key`` (any of its keys, case-insensitive)."""
    families = _all()
    try:
        return families[str(key).strip().lower()]
    except KeyError:
        raise ValueError(f"unknown model family {key!r}; known: {', '.join(sorted(families))}") from None


def keys() -> list:
    """Every family's canonical key, in file order."""
    seen = []
    for family in _all().values():
        if family.key not in seen:
            seen.append(family.key)
    return seen
