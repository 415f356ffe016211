# Cloudwarden — the two commands a new user needs on Debian/Ubuntu:
#   make run    install what is missing, build, start the desktop app
#   make test   install what is missing, run every test layer
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: catalog ip-data help setup setup-apt setup-tauri-driver setup-cargo-deny ui run test test-rust test-ui test-e2e lint-rust check-engine-deps bindings build deny advisory-db-update

# Debian packages (see SETUP-LINUX.md): build (WebKitGTK 4.1), headless display and
# screenshots, WebKitWebDriver for end-to-end tests, gnome-keyring for the Secret Service.
APT_PACKAGES := libwebkit2gtk-4.1-dev build-essential curl wget file libssl-dev \
	libayatana-appindicator3-dev librsvg2-dev libxdo-dev pkg-config \
	xvfb xauth imagemagick xdotool x11-utils at-spi2-core dbus-x11 \
	webkit2gtk-driver gnome-keyring libsecret-tools
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(PATH)

help:
	@echo "make run    install what is missing, build and start the desktop app"
	@echo "make test   install what is missing and run every test layer"

## setup: idempotent; installs only what is missing.
setup: setup-apt ui/node_modules/.package-lock.json tests/e2e/node_modules/.package-lock.json tests/prism/node_modules/.package-lock.json setup-tauri-driver

setup-apt:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "setup: installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

ui/node_modules/.package-lock.json: ui/package-lock.json
	npm ci --prefix ui --no-audit --no-fund

tests/e2e/node_modules/.package-lock.json: tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund

## Prism serves the vendors' OpenAPI descriptions for the connector contract tests.
tests/prism/node_modules/.package-lock.json: tests/prism/package-lock.json
	npm ci --prefix tests/prism --no-audit --no-fund

setup-tauri-driver:
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version '^2.1'

## cargo-deny checks advisories, licences, duplicate majors and sources (deny.toml).
setup-cargo-deny:
	@cargo deny --version 2>/dev/null | grep -q '^cargo-deny 0\.20\.' || cargo install cargo-deny --locked --version '~0.20.2'

## The UI bundle the desktop app embeds (tauri.conf.json → ui/dist).
ui: ui/node_modules/.package-lock.json
	npm --prefix ui run build

build: setup ui
	cargo build -p cloudwarden-desktop -p cloudwarden-cli

run:
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
		echo "error: no display (DISPLAY and WAYLAND_DISPLAY are unset): run 'make run' in a desktop session," \
		     "or headless: dbus-run-session -- xvfb-run -a make run" >&2; exit 1; fi
	$(MAKE) build
	./target/debug/cloudwarden-desktop

## Rebuild the app catalog (crates/catalog/data) from ../shared/catalog-sources.
catalog:
	cargo run -q -p cloudwarden-catalog --bin catalog-build

## Refresh the bundled IP database (crates/ipintel/data) from the ip-location-db packages on
## the npm registry: IP_DATA_VERSION=latest by default, or a version such as 2.3.2026061719.
## Update the versions in crates/ipintel/data/NOTICE with the ones it prints.
IP_DATA_VERSION ?= latest
ip-data:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent \
		@ip-location-db/geo-whois-asn-country@$(IP_DATA_VERSION) @ip-location-db/asn@$(IP_DATA_VERSION) >/dev/null && \
		mkdir country asn && \
		tar xzf ip-location-db-geo-whois-asn-country-*.tgz -C country && \
		tar xzf ip-location-db-asn-*.tgz -C asn) && \
	cargo run -q --release -p cloudwarden-ipintel --bin ipdb-build -- \
		"$$tmp/country/package" "$$tmp/asn/package" crates/ipintel/data/ipdb.bin.zst

## Regenerate ui/src/ipc/bindings.ts from the Rust commands.
bindings: ui
	UPDATE_BINDINGS=1 cargo test --test desktop bindings_are_current

test: setup
	cargo fmt --all --check
	npm --prefix ui run lint
	npm --prefix ui run typecheck
	npm --prefix ui test
	$(MAKE) ui
	$(MAKE) check-engine-deps
	cargo clippy --workspace --all-targets -- -D warnings
	$(MAKE) deny
	tests/session.sh cargo test --workspace
	@# Tests that need what a plain `cargo test` may lack — the OS keychain, Prism — are
	@# #[ignore]d there and run here, where they fail if it is missing.
	tests/session.sh cargo test --workspace -- --ignored
	tests/session.sh --display tests/e2e/run.sh

## Supply chain (deny.toml): offline against the RustSec snapshot in third_party/advisory-db,
## laid out as the git checkout cargo-deny reads (its directory name is cargo-deny's for the
## default database URL). CLOUDWARDEN_DENY_ONLINE=1 fetches the current database instead.
ADVISORY_DB := target/advisory-dbs/advisory-db-3157b0e258782691
deny: setup-cargo-deny
	cargo fetch --locked -q
	@if [ "$$CLOUDWARDEN_DENY_ONLINE" = 1 ]; then cargo deny --locked check; else \
		rm -rf $(ADVISORY_DB) && mkdir -p $(ADVISORY_DB) && cp -r third_party/advisory-db/. $(ADVISORY_DB) && \
		date=$$(sed -n 's/^date=//p' third_party/advisory-db/SNAPSHOT) && \
		git -C $(ADVISORY_DB) init -q && git -C $(ADVISORY_DB) add -A && \
		GIT_AUTHOR_DATE=$$date GIT_COMMITTER_DATE=$$date git -C $(ADVISORY_DB) \
			-c user.name=cloudwarden -c user.email=cloudwarden@localhost -c commit.gpgsign=false \
			commit -q -m "RustSec snapshot" && \
		cargo deny --offline --locked check; fi

## Replaces the advisory snapshot with the current database (needs github.com).
advisory-db-update:
	rm -rf target/advisory-db-new && git clone -q --depth 1 https://github.com/rustsec/advisory-db target/advisory-db-new
	rm -rf third_party/advisory-db/crates third_party/advisory-db/rust third_party/advisory-db/LICENSES
	cp -r target/advisory-db-new/crates target/advisory-db-new/rust target/advisory-db-new/LICENSES target/advisory-db-new/LICENSE.txt third_party/advisory-db/
	sed -i "s/^commit=.*/commit=$$(git -C target/advisory-db-new rev-parse HEAD)/; s/^date=.*/date=$$(git -C target/advisory-db-new show -s --format=%cI HEAD)/" third_party/advisory-db/SNAPSHOT

## The engine must never depend on Tauri.
check-engine-deps:
	@if cargo tree -p cloudwarden-engine -e normal --prefix none | grep -q '^tauri'; then \
		echo "error: cloudwarden-engine depends on tauri:"; \
		cargo tree -p cloudwarden-engine -e normal -i tauri; exit 1; fi
	@echo "check-engine-deps: cloudwarden-engine has no tauri dependency"
