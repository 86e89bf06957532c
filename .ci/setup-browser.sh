#!/usr/bin/env bash
# Headless Chromium and its driver for the review page's browser test
# (src/test/java/dev/qwenvl/review/ReviewPageBrowserIT.java), from Debian's packages `chromium` and
# `chromium-driver` (their versions always match). Needs root (or sudo); rerunning is a no-op once
# both are installed. Without them the test is skipped locally, naming this script; .ci/run
# (QWENVL_E2E=required) makes it fail instead.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  echo "[setup-browser] ready: $(chromium --version 2>/dev/null | head -1); $(chromedriver --version | head -1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "[setup-browser] needs root: apt-get install chromium chromium-driver" >&2; exit 1; }
  SUDO="sudo"
fi
echo "[setup-browser] installing chromium and chromium-driver (Debian packages)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
echo "[setup-browser] ready: $(chromium --version 2>/dev/null | head -1); $(chromedriver --version | head -1)"
