# Portico: `make run` and `make test` are the two commands of the README's quick start.
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages the build and the tests need: libevent for the server, curl and wrk for the
# README's examples and the soak script, chromium for the dashboard test and prometheus for
# promtool (the metrics test).
DEB_PACKAGES := libevent-dev pkg-config curl wrk chromium prometheus

.PHONY: deps build release run test lint check-config bench clean

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	./scripts/run-demo.sh .build/release

lint:
	$(SWIFT) format lint -r --strict Sources Tests Package.swift
	@leaks=$$(grep -rl 'import CLibevent' Sources Tests | grep -v '^Sources/PorticoServer/' || true); \
	if [ -n "$$leaks" ]; then echo "CLibevent imported outside PorticoServer: $$leaks"; exit 1; fi

check-config: build
	./scripts/check-config.sh .build/debug/portico

test: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	./scripts/check-config.sh .build/debug/portico

bench: release
	../shared/bench/bench.sh --sut-label portico \
	    --sut-cmd 'exec $(CURDIR)/scripts/bench-sut.sh $(CURDIR)/.build/release/portico'

clean:
	rm -rf .build
