#!/usr/bin/env bash
# P3 compares the project's decoder with the ffmpeg command line. Finds ffmpeg; when it is missing
# and installing is allowed (first argument "true", the bench profile's default), installs it with
# apt-get (needs root and Debian/Ubuntu). Never fails the build: without ffmpeg, P3 is reported
# as skipped.
#
#   bash python/bench/ensure-ffmpeg.sh [true|false]
set -uo pipefail
install="${1:-false}"
if command -v ffmpeg >/dev/null 2>&1; then
  exit 0
fi
if [[ "$install" == "true" && "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "[bench] ffmpeg not found: installing it with apt-get (P3 compares with it; -Dqwenvl.bench.installFfmpeg=false to skip)" >&2
  if ! { apt-get install -y -qq ffmpeg >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq ffmpeg >/dev/null 2>&1; }; }; then
    echo "[bench] apt-get install ffmpeg failed; P3 will be skipped" >&2
  fi
fi
command -v ffmpeg >/dev/null 2>&1 || echo "[bench] ffmpeg not found; P3 will be skipped (apt-get install ffmpeg)" >&2
exit 0
