#!/usr/bin/env bash
# Installs what building, running and testing TruyVết need on Debian 12, skipping
# whatever is already there. Called by `make run` and `make test`; safe to re-run.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Build and run: Tauri's Linux needs (WebKitGTK 4.1 and friends), a font that covers
# Vietnamese, and Xvfb so `make run` still starts on a machine without a display.
# libssl-dev: SQLCipher (rusqlite's bundled-sqlcipher) links the system libcrypto.
packages=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libsoup-3.0-dev
          librsvg2-dev libxdo-dev fonts-noto-core xvfb xauth)
# Tests: the WebKit WebDriver, util-linux's setpriv, flock and unshare, Debian's
# Chromium for browser capture, OpenSSL's `ts` as a local timestamp authority,
# Python's venv for the independent validators (warcio…) and Info-ZIP's unzip, which
# checks case bundles, and poppler's pdftotext, which reads the case report back.
# PostgreSQL for the registry's tests: only its server binaries are used (a private
# cluster per test process, tests/src/pg.rs), never the system service.
if [ "$want_test" = 1 ]; then
  packages+=(webkit2gtk-driver util-linux chromium openssl python3-venv iproute2 unzip poppler-utils
             postgresql
             # The package test: xdotool finds the installed app's window,
             # desktop-file-validate checks its menu entry.
             xdotool desktop-file-utils
             # age decrypts, independently of us, bundles exported with --encrypt-to.
             age)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number); console.log(a>20||(a===20&&b>=19)?1:0)' 2>/dev/null || echo 0)
[ "$node_ok" = 1 ] || { echo "Node.js 20.19 or newer is required for the front end" >&2; exit 1; }

if [ "$want_test" = 1 ]; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt || true
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! command -v tauri-driver >/dev/null; then
    echo "Installing tauri-driver"
    cargo install tauri-driver --locked --version '^2'
  fi
fi

if [ "$want_test" = 1 ]; then
  # Validators from PyPI, pinned in tests/requirements.txt, in a venv of their own.
  venv="${TRUYVET_VENV:-$HOME/.cache/truyvet/venv}"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  stamp="$venv/.requirements.sha256"
  want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt
    echo "$want" > "$stamp"
  fi
fi
