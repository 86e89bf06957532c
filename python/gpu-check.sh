#!/usr/bin/env bash
# One-command GPU check: on a machine with an NVIDIA GPU and vLLM installed, measure what the library
# does with Qwen2.5-VL-7B-Instruct's architecture and vLLM's dummy weights (nothing is downloaded),
# with the seed's settings (FP8, gpu_memory_utilization 0.85, max_model_len 32768), then BF16, and
# write a small report.
#
#   bash python/gpu-check.sh [--dry-run] [--out DIR] [--python PATH] [CLIP_OR_FOLDER...]
#
#   --dry-run      check the prerequisites and print the benchmark command, run nothing
#   --out DIR      where the report goes (default: ./gpu-check-<date>)
#   --python PATH  the environment's python (default: $QWENVL_PYTHON, else ./.venv/bin/python)
#   CLIPS          videos or folders to caption (default: 4 generated clips of 20 s, 640x360)
#
# Prerequisites, each checked with what to do when missing: java 17+, the CLI jar
# (target/qwenvl-cli.jar: mvn -B -q package -DskipTests), a python with vllm, torch and jep 4.2.2,
# nvidia-smi answering with a GPU. The tokenizer and processor files come from the tiny generated
# model (.models/tiny-random, made here with python/tools/make_tiny_qwen2_5_vl.py when missing).
# Exit: 0 measured, 1 the benchmark failed, 2 a prerequisite is missing.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DRY_RUN=0
OUT=""
PY="${QWENVL_PYTHON:-.venv/bin/python}"
CLIPS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --out) OUT="${2:?--out needs a folder}"; shift ;;
    --python) PY="${2:?--python needs a path}"; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "gpu-check: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) CLIPS+=("$1") ;;
  esac
  shift
done
OUT="${OUT:-gpu-check-$(date -u +%Y%m%d-%H%M%S)}"
JAR="${QWENVL_CLI_JAR:-target/qwenvl-cli.jar}"
TINY_DIR=".models/tiny-random"
TINY="$TINY_DIR/Qwen/Qwen2.5-VL-7B-Instruct"

missing=()
if ! command -v nvidia-smi >/dev/null 2>&1; then
  missing+=("nvidia-smi: not found; this check needs an NVIDIA GPU with its driver (nvidia-smi on PATH). On a CPU run \`java -jar $JAR benchmark --architecture tiny\` instead")
elif ! GPU="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1)" || [ -z "$GPU" ]; then
  missing+=("nvidia-smi: found but lists no GPU ($GPU)")
fi
if ! command -v java >/dev/null 2>&1; then
  missing+=("java: not found; install a JDK or JRE 17+ (e.g. apt-get install openjdk-17-jre-headless)")
else
  JAVA_MAJOR="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = \([0-9]*\).*/\1/p')"
  if [ -z "$JAVA_MAJOR" ] || [ "$JAVA_MAJOR" -lt 17 ]; then
    missing+=("java: version ${JAVA_MAJOR:-unknown} found, 17+ needed")
  fi
fi
if [ ! -f "$JAR" ]; then
  missing+=("the CLI jar $JAR: build it with \`mvn -B -q package -DskipTests\`")
fi
if [ ! -x "$PY" ] && ! command -v "$PY" >/dev/null 2>&1; then
  missing+=("python: $PY not found; pass --python PATH or set QWENVL_PYTHON to the environment's python")
elif ! VERSIONS="$("$PY" -c 'import importlib.metadata as m, importlib.util as u, vllm, torch; assert u.find_spec("jep"), "jep"; print("vllm", vllm.__version__, "torch", torch.__version__, "jep", m.version("jep"))' 2>/dev/null | tail -1)" || [ -z "$VERSIONS" ]; then
  missing+=("vllm in $PY: importing vllm and torch, or finding jep, fails; install vLLM (\`$PY -m pip install vllm\`) and jep 4.2.2 (\`bash python/setup-env.sh\`)")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "gpu-check: cannot run; missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  exit 2
fi

CMD=(java -jar "$JAR" benchmark --variant qwen --architecture published --tiny-model-dir "$TINY_DIR"
     --precision fp8,bf16 --report "$OUT/report.json" --python "$PY" "${CLIPS[@]}")
echo "gpu-check: GPU: $GPU"
echo "gpu-check: $VERSIONS"
echo "gpu-check: command: ${CMD[*]}"
if [ "$DRY_RUN" = 1 ]; then
  [ -f "$TINY/tokenizer.json" ] || echo "gpu-check: would first generate the tiny model's tokenizer: $PY python/tools/make_tiny_qwen2_5_vl.py --out $TINY"
  echo "gpu-check: dry run: nothing measured"
  exit 0
fi

mkdir -p "$OUT"
if [ ! -f "$TINY/tokenizer.json" ]; then
  echo "gpu-check: generating the tiny model (its tokenizer and processor files are reused) into $TINY"
  "$PY" python/tools/make_tiny_qwen2_5_vl.py --out "$TINY" --seed 0 || { echo "gpu-check: generating the tiny model failed" >&2; exit 2; }
fi
start=$(date +%s)
"${CMD[@]}" > "$OUT/benchmark.txt" 2> "$OUT/benchmark.log"
rc=$?
{
  echo "qwenvl-jep GPU check, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(( $(date +%s) - start )) s, exit code $rc"
  echo "GPU: $GPU"
  echo "$VERSIONS, $(java -version 2>&1 | head -1)"
  echo "settings: Qwen2.5-VL-7B-Instruct architecture, vLLM dummy weights, gpu_memory_utilization 0.85, max_model_len 32768, FP8 then BF16"
  cat "$OUT/benchmark.txt"
} > "$OUT/gpu-check.txt"
cat "$OUT/gpu-check.txt"
if [ $rc -ne 0 ]; then
  echo "gpu-check: the benchmark failed (exit $rc); its log: $OUT/benchmark.log" >&2
  tail -20 "$OUT/benchmark.log" >&2
  exit 1
fi
echo "gpu-check: report in $OUT/gpu-check.txt (and $OUT/report.json)"
