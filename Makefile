# FlowVerify: `make serve` to use the page, `make test` to check everything.
#
#   make setup   install what the build needs, skipping what is there (wasm32 target, trunk,
#                wasm-bindgen-cli matching Cargo.lock, npm binaryen 132 + Playwright, Chromium)
#   make serve   the page at http://127.0.0.1:8080/ (debug build, no service worker)
#   make dist    the release site in dist/ (copy it to any static web server)
#   make test    engine, command line and page: unit tests, lints, samples, browser tests
#   make bench   engine benchmarks (verdicts, compiled verdicts, analysis per shape of stack,
#                replay, check), the command line as whole processes on production-shaped
#                stacks, and page measurements (size, first verdict, keystrokes, analysis)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

E2E := tests/e2e
NODE_BIN := $(CURDIR)/$(E2E)/node_modules/.bin
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
# binaryen's wasm-opt from npm comes first: never Debian's (an old wasm-opt breaks the page).
export PATH := $(NODE_BIN):$(CARGO_BIN):$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver

TRUNK_VERSION := 0.21.14
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' Cargo.lock)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help setup serve dist test bench check-samples wasm-test e2e lint

help:
	@sed -n 's/^#   //p' Makefile

setup:
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
		|| rustup target add wasm32-unknown-unknown
	@if trunk --version 2>/dev/null | grep -qx 'trunk $(TRUNK_VERSION)'; then \
		echo "trunk $(TRUNK_VERSION): present"; \
	else \
		echo "installing trunk $(TRUNK_VERSION) (about 17 minutes on 2 cores)"; \
		cargo install trunk --version $(TRUNK_VERSION) --locked; \
	fi
	@if wasm-bindgen --version 2>/dev/null | grep -qx 'wasm-bindgen $(WASM_BINDGEN_VERSION)'; then \
		echo "wasm-bindgen $(WASM_BINDGEN_VERSION): present"; \
	else \
		echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 3 minutes)"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi
	@if [ -x $(NODE_BIN)/wasm-opt ] && $(NODE_BIN)/wasm-opt --version | grep -q 'version 132' \
		&& [ -x $(NODE_BIN)/playwright ]; then \
		echo "binaryen 132 and Playwright: present"; \
	else \
		cd $(E2E) && npm ci --no-audit --no-fund; \
	fi
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
		echo "chromium and chromedriver: present"; \
	else \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver; \
	fi

serve: setup
	trunk serve

dist: setup
	trunk build --release

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p flowverify-web --target wasm32-unknown-unknown --all-targets -- -D warnings

check-samples:
	cargo run -q -p flowverify-cli -- check samples/*.json

wasm-test:
	cargo test -p flowverify-web --target wasm32-unknown-unknown --lib

e2e:
	cd $(E2E) && npx playwright test

test: setup
	cargo test --workspace
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory check-samples
	trunk build --release
	$(MAKE) --no-print-directory wasm-test
	$(MAKE) --no-print-directory e2e

bench: dist
	cargo bench -p flowverify
	cargo bench -p flowverify-cli --bench stacks
	node $(E2E)/bench.mjs --dist $(CURDIR)/dist
