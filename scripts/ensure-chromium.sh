#!/usr/bin/env bash
# Makes sure the browser tests can start Chromium with SwiftShader WebGPU (vitest.config.ts).
# Runs before `npm test` (the "pretest" script). On Debian as root it installs what is
# missing; elsewhere it says exactly what to install and fails.
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
has_vulkan() { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; }

if [[ -x "$chromium" ]] && has_vulkan; then
  exit 0
fi

missing=()
[[ -x "$chromium" ]] || missing+=(chromium)
has_vulkan || missing+=(libvulkan1)

if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
  echo "ensure-chromium: installing ${missing[*]} (Debian, about 45 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
  [[ -x "$chromium" ]] || { echo "ensure-chromium: still no $chromium after install" >&2; exit 1; }
  exit 0
fi

cat >&2 <<MSG
ensure-chromium: the browser tests need ${missing[*]}, which are missing.
  On Debian or Ubuntu, as root:  apt-get update && apt-get install -y chromium libvulkan1
  Another Chromium binary:       CHROMIUM_PATH=/path/to/chromium npm test
(Do not run "playwright install": the tests use the system Chromium with SwiftShader.)
MSG
exit 1
