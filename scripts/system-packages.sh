#!/usr/bin/env bash
# Install the Debian packages a make target needs, only those missing. Usage: system-packages.sh run|test|bench|npm
set -euo pipefail

case "${1:-run}" in
  run)  wanted=(python3-venv ffmpeg espeak-ng fonts-dejavu-core) ;;
  test) wanted=(python3-venv postgresql chromium ffmpeg espeak-ng fonts-dejavu-core) ;;
  bench) wanted=(python3-venv postgresql ffmpeg fonts-dejavu-core wrk) ;;
  npm)  command -v npm >/dev/null && exit 0; wanted=(npm) ;;
  *)    echo "usage: $0 run|test|bench|npm" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  # python3-venv is only needed when the interpreter lacks ensurepip (pyenv builds have it).
  if [ "$pkg" = python3-venv ] && "${PYTHON:-python3.11}" -c "import ensurepip, venv" 2>/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
