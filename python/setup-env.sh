#!/usr/bin/env bash
# Creates (or refreshes) the project-local Python environment that the embedded interpreter uses.
#
#   bash python/setup-env.sh [VENV_DIR]        default: <repo>/.venv
#
# Order matters: numpy first, then jep built WITHOUT build isolation (so it compiles against the
# numpy it will run with and gets numpy support), then the rest. A stamp file records what was
# installed; when the requirements are unchanged a rerun returns in well under a second.
#
# Environment: PYTHON (interpreter to create the venv from, default python3),
#              QWENVL_EXTRA_REQUIREMENTS (more requirement files to install, space separated).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-$(dirname "$here")/.venv}"
python="${PYTHON:-python3}"
jep_version="4.2.2" # must equal black.ninia:jep in pom.xml
requirements="$here/requirements.txt"
extra="${QWENVL_EXTRA_REQUIREMENTS:-}"

log() { printf '[setup-env] %s\n' "$*" >&2; }
die() { printf '[setup-env] error: %s\n' "$*" >&2; exit 1; }

stamp_of() {
  { echo "jep==$jep_version"; cat "$requirements"; for f in $extra; do cat "$f"; done; } | sha256sum | cut -d' ' -f1
}
want="$(stamp_of)"
if [[ -x "$venv/bin/python" && -f "$venv/.qwenvl-stamp" && "$(cat "$venv/.qwenvl-stamp")" == "$want" ]]; then
  exit 0
fi

command -v "$python" >/dev/null || die "no '$python' on PATH: install Python 3.10+ with venv and pip, or set PYTHON=/path/to/python3"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "$python is $("$python" -V 2>&1); Python 3.10 or newer is needed (set PYTHON=/path/to/python3)"
# JEP links against libpython: a static-only Python cannot embed.
"$python" - <<'PY' || die "$python has no shared libpython (built without --enable-shared); JEP needs one. Use a Python built with --enable-shared (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared)"
import sysconfig, sys
sys.exit(0 if sysconfig.get_config_var("Py_ENABLE_SHARED") else 1)
PY

if [[ -z "${JAVA_HOME:-}" ]]; then
  javac_path="$(command -v javac || true)"
  [[ -n "$javac_path" ]] || die "JEP builds against a JDK: install a JDK 17+ or set JAVA_HOME"
  export JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$javac_path")")")"
fi

if [[ ! -x "$venv/bin/python" ]]; then
  log "creating $venv from $("$python" -V 2>&1)"
  "$python" -m venv "$venv" || die "could not create a venv with $python: install its venv module (Debian: apt-get install python3-venv)"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input)

log "installing $requirements"
"${pip[@]}" install -q -r "$requirements"
log "building jep==$jep_version against the installed numpy (no build isolation)"
"${pip[@]}" install -q --no-build-isolation --no-cache-dir --force-reinstall --no-deps "jep==$jep_version"
"$venv/bin/python" - <<PY || die "jep in $venv is not $jep_version or has no libjep.so"
import importlib.metadata as md, importlib.util, pathlib
assert md.version("jep") == "$jep_version", md.version("jep")
jep_dir = pathlib.Path(importlib.util.find_spec("jep").submodule_search_locations[0])
assert (jep_dir / "libjep.so").exists(), jep_dir
PY
for f in $extra; do
  log "installing $f"
  "${pip[@]}" install -q -r "$f"
done
echo "$want" > "$venv/.qwenvl-stamp"
log "ready: $venv"
