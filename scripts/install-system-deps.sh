#!/usr/bin/env bash
# Debian packages Capstan and its test suite use beyond Node.js: pocketsphinx with its US English
# model for built-in transcription (the server runs without them: videos are then SKIPPED), espeak-ng
# for the transcription tests' spoken fixtures, headless Chromium for the page tests, and iproute2
# (`ip netns`) for the vanished-peer test's network namespace.
# Idempotent: does nothing when they are already installed.
set -euo pipefail
need=()
command -v pocketsphinx_continuous >/dev/null 2>&1 || need+=(pocketsphinx)
[ -f /usr/share/pocketsphinx/model/en-us/en-us.lm.bin ] || need+=(pocketsphinx-en-us)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: need root to install ${need[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
