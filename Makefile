# TruyVết — `make run` and `make test` do all the set-up on a Debian 12 machine.
#
# Builds go to a cache folder outside the checkout, so a fresh clone (CI's) reuses
# the compiled dependencies of earlier runs on the same machine; override with
# CARGO_TARGET_DIR=... when you want the classic ./target.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
CARGO_TARGET_DIR ?= $(HOME)/.cache/truyvet/target
export CARGO_TARGET_DIR
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO ?= cargo
TEST_LOGS := $(CARGO_TARGET_DIR)/test-logs
# Python validators (warcio…) installed by scripts/install-deps.sh --test.
TRUYVET_VENV ?= $(HOME)/.cache/truyvet/venv
export TRUYVET_VENV

.PHONY: run test deps deps-test ui ui-test build lint rust-test desktop-e2e fmt clean

run: deps ui
	$(CARGO) build -p truyvet-desktop -p truyvet-cli
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found: starting TruyVết on a virtual display (Xvfb)."; \
	  xvfb-run -a "$(CARGO_TARGET_DIR)/debug/truyvet-desktop" $(ARGS); \
	else \
	  "$(CARGO_TARGET_DIR)/debug/truyvet-desktop" $(ARGS); \
	fi

test: deps-test ui-test lint rust-test
	@scripts/test-summary.sh $(TEST_LOGS)/ui.log $(TEST_LOGS)/rust.log

deps:
	@scripts/install-deps.sh

deps-test:
	@scripts/install-deps.sh --test

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

ui: ui/node_modules/.package-lock.json
	cd ui && npm run build

ui-test: ui/node_modules/.package-lock.json
	@mkdir -p $(TEST_LOGS)
	cd ui && npm run check && npm test 2>&1 | tee $(TEST_LOGS)/ui.log && npm run build

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# Binaries first: the workspace-level tests run the real `truyvet` and
# `truyvet-desktop` executables.
rust-test:
	@mkdir -p $(TEST_LOGS)
	$(CARGO) build --workspace --locked
	$(CARGO) test --workspace --locked --no-fail-fast 2>&1 | tee $(TEST_LOGS)/rust.log

desktop-e2e: ui
	$(CARGO) build -p truyvet-desktop -p truyvet-cli
	$(CARGO) test -p truyvet-desktop-e2e

# Installable packages: a .deb and, where Tauri's bundler can fetch its tools, an
# AppImage (docs/packaging.md). PROFILE=debug packages the debug build instead.
PROFILE ?= release
APPIMAGE ?= auto
.PHONY: package
package: deps ui
	PROFILE=$(PROFILE) APPIMAGE=$(APPIMAGE) scripts/package.sh

fmt:
	$(CARGO) fmt --all

clean:
	rm -rf ui/dist ui/node_modules
	$(CARGO) clean
