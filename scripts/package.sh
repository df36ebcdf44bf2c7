#!/usr/bin/env bash
# Builds TruyVết's Linux packages with Tauri's bundler: always a .deb, and an AppImage
# when the bundler's AppImage tools can be had. `make package` calls this after building
# the front end; docs/packaging.md explains the choices.
#
#   PROFILE=release|debug   which build to package (default release)
#   BUILD=yes|no            no: package the binaries already in the target dir
#   APPIMAGE=auto|yes|no    auto: try it and only warn when it cannot be made
#   PACKAGE_DIR=DIR         where the packages land (default <target dir>/package)
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${PROFILE:-release}"
build="${BUILD:-yes}"
appimage="${APPIMAGE:-auto}"
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/truyvet/target}"
out="${PACKAGE_DIR:-$target_dir/package}"
tauri="$PWD/ui/node_modules/.bin/tauri"

case "$profile" in release | debug) ;; *)
  echo "PROFILE must be release or debug, not '$profile'" >&2
  exit 2
  ;;
esac
case "$appimage" in auto | yes | no) ;; *)
  echo "APPIMAGE must be auto, yes or no, not '$appimage'" >&2
  exit 2
  ;;
esac
[ -x "$tauri" ] || {
  echo "Tauri's CLI is missing: run 'cd ui && npm ci' (make package does)" >&2
  exit 1
}

if [ "$build" = yes ]; then
  # The app embeds the built front end at compile time.
  [ -f ui/dist/index.html ] || {
    echo "ui/dist is missing: run 'cd ui && npm run build' first (make package does)" >&2
    exit 1
  }
  release_flag=()
  [ "$profile" = release ] && release_flag=(--release)
  cargo build --locked "${release_flag[@]}" -p truyvet-desktop -p truyvet-cli
fi

bin_dir="$target_dir/$profile"
for bin in truyvet-desktop truyvet; do
  [ -x "$bin_dir/$bin" ] || {
    echo "$bin_dir/$bin is missing: build it first (or run with BUILD=yes)" >&2
    exit 1
  }
done

# The bundler takes the binaries from <its target dir>/<profile>/. It gets a staging
# folder of stripped copies: a package carries no debug info (a debug binary is ~800 MB
# with it, ~140 MB without), and the shared build's binaries, which tests may be running,
# are never rewritten (hence also --no-binary-patching: the app has no updater to tell).
stage="$out/stage"
rm -rf "$stage"
mkdir -p "$stage/$profile"
triple=$(rustc -vV | sed -n 's/^host: //p')
strip -o "$stage/$profile/truyvet-desktop" "$bin_dir/truyvet-desktop"
# The `truyvet` CLI ships beside the app as a Tauri "external binary", which the bundler
# names <name>-<target triple> and installs as /usr/bin/truyvet. It is added here, not in
# tauri.conf.json, because tauri-build would then require the file for every `cargo build`.
strip -o "$stage/$profile/truyvet-$triple" "$bin_dir/truyvet"
cli="$stage/$profile/truyvet"
cli=${cli//\\/\\\\}
cli=${cli//\"/\\\"}
printf '{"bundle": {"externalBin": ["%s"]}}\n' "$cli" >"$stage/cli.conf.json"

debug_flag=()
[ "$profile" = debug ] && debug_flag=(--debug)
bundle() {
  (cd src-tauri && CARGO_TARGET_DIR="$stage" "$tauri" bundle --ci --no-sign --no-binary-patching \
    "${debug_flag[@]}" --config packaging/linux.conf.json --config "$stage/cli.conf.json" \
    --bundles "$1")
}

bundle deb
deb=$(find "$stage/$profile/bundle/deb" -maxdepth 1 -name '*.deb' -print -quit)
[ -n "$deb" ] || {
  echo "the bundler reported success but wrote no .deb" >&2
  exit 1
}
mv -f "$deb" "$out/"
echo "Debian package: $out/$(basename "$deb")"

if [ "$appimage" != no ]; then
  if bundle appimage; then
    image=$(find "$stage/$profile/bundle/appimage" -maxdepth 1 -name '*.AppImage' -print -quit)
    mv -f "$image" "$out/"
    echo "AppImage: $out/$(basename "$image")"
  else
    cat >&2 <<'EOF'
AppImage NOT built (see the bundler's error above). Tauri's AppImage bundler downloads its
tools from GitHub on first use (AppRun, linuxdeploy, linuxdeploy-plugin-gtk/-gstreamer,
linuxdeploy-plugin-appimage) and keeps them in ~/.cache/tauri/; without network access to
GitHub it cannot make one. Run `make package` once where GitHub is reachable, or copy those
files into ~/.cache/tauri/ (docs/packaging.md). The .deb above is complete.
EOF
    [ "$appimage" = yes ] && exit 1
  fi
fi
rm -rf "$stage"
