# Waystone — build, run and test.
#   make run    install build dependencies if missing, build release, run with embedded defaults
#   make test   install build + test dependencies if missing, build, run `swift test` and every interop suite
#   make bench  run the benchmarks that exist (bench-stun: STUN against coturn; bench-libp2p: connections against p2pd;
#               bench-kad: DHT FIND_NODE against p2pd; bench-streams: stream plumbing in process, base vs current)
#   make lint   swift format lint
#   make fuzz   build the libFuzzer targets in Fuzz/ and run each for FUZZ_SECONDS (default 30)
#   make test-containers   build and run the Dockerfile and docker-compose.yml with ../shared/tools/container-lab.sh
SHELL := /bin/bash
SWIFT ?= swift
RELEASE_BIN := .build/release/waystone
DEBUG_BIN := .build/debug/waystone
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get
# Run apt-get through sudo only when we are not root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BUILD_PACKAGES := libsodium-dev libssl-dev pkg-config
TEST_PACKAGES := prometheus coturn stun-client strace iproute2 iptables python3-venv
# py-libp2p compiles fastecdsa: GMP and the headers of Debian's python3.
PYLIBP2P_PACKAGES := libgmp-dev python3-dev

.PHONY: run build build-debug test test-swift test-interop test-containers bench bench-stun bench-libp2p bench-kad bench-streams fuzz lint deps-build deps-test deps-interop deps-p2pd deps-pylibp2p clean help

help:
	@sed -n '2,8p' Makefile

deps-build:
	@missing=""; for p in $(BUILD_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "make: installing$$missing"; \
	  $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq $$missing >/dev/null; fi

deps-test: deps-build
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "make: installing$$missing"; \
	  $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq --no-install-recommends $$missing >/dev/null; \
	  $(SUDO) pkill -x prometheus 2>/dev/null || true; \
	  if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now coturn 2>/dev/null || true; fi; fi

# Python venvs for the STUN interop suite (pystun3 and aioice, one venv each: both ship a module named `stun`).
deps-interop:
	@bash Tests/Interop/stun/make-venvs.sh

# go-libp2p's p2pd from the hivemind==1.1.12 wheel into .build/interop/p2pd/ (idempotent; Tests/Interop/p2pd/README.md).
# Not a prerequisite of `test` yet: the libp2p interop suites that need it will add it.
deps-p2pd:
	@bash Tests/Interop/p2pd/install.sh >/dev/null

# py-libp2p 0.8.1 in a venv at .build/interop/pylibp2p-venv/ for Tests/Interop/libp2p-py.sh (idempotent).
deps-pylibp2p: deps-build
	@missing=""; for p in $(PYLIBP2P_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "make: installing$$missing"; \
	  $(SUDO) $(APT_GET) update -qq && $(SUDO) $(APT_GET) install -y -qq --no-install-recommends $$missing >/dev/null; fi
	@bash Tests/Interop/pylibp2p/make-venv.sh >/dev/null

build: deps-build
	$(SWIFT) build -c release --product waystone

build-debug: deps-build
	$(SWIFT) build --product waystone

run: build
	$(RELEASE_BIN) run

test: deps-test deps-interop deps-p2pd deps-pylibp2p
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory test-swift test-interop

test-swift:
	$(SWIFT) test --skip-build

test-interop: build-debug
	BIN_UNDER_TEST=$(CURDIR)/$(DEBUG_BIN) bash Tests/Interop/run-all.sh

# The Dockerfile and docker-compose.yml, built and run for real with podman (several minutes; not part of `make test`).
test-containers:
	bash Tests/Containers/container-lab-check.sh

bench: bench-stun bench-libp2p bench-kad bench-streams
	@for b in Tests/Benchmarks/*.sh; do case $$b in */stun.sh | */libp2p.sh | */kad.sh | */streams.sh) ;; *) bash "$$b" ;; esac; done

# STUN Binding load against Waystone and coturn (started by hand on 127.0.0.1, stopped by PID; never as a service).
bench-stun: deps-build
	@dpkg -s coturn >/dev/null 2>&1 || { echo "make: installing coturn"; $(SUDO) $(APT_GET) update -qq && \
	  $(SUDO) $(APT_GET) install -y -qq --no-install-recommends coturn >/dev/null; \
	  $(SUDO) invoke-rc.d coturn stop >/dev/null 2>&1 || true; }
	bash Tests/Benchmarks/stun.sh

# libp2p connections (handshake + identify, held idle) against Waystone and go-libp2p's p2pd, 1k and 10k of them.
bench-libp2p: deps-build deps-p2pd
	bash Tests/Benchmarks/libp2p.sh

# Kademlia FIND_NODE requests/s and server CPU per request against Waystone and p2pd's DHT server, both tables filled
# by the same 200 DHT-server peers; reused streams and a stream per request (Tests/Benchmarks/kad.sh).
bench-kad: deps-build deps-p2pd
	bash Tests/Benchmarks/kad.sh

# The stream plumbing in process (two connection machines back to back, no sockets): bulk transfer over 1 and 16
# streams, CPU, allocations and peak RSS against the ChaCha20-Poly1305 floor, a base revision (BASE, in a temporary
# worktree) against the current tree (Tests/Benchmarks/streams.sh).
bench-streams: deps-build
	bash Tests/Benchmarks/streams.sh

# libFuzzer targets (Fuzz/ package): seeds in Fuzz/Corpus/<target>/ (read only), the growing corpus in
# Fuzz/.build/corpus/<target>/, crashing inputs in Fuzz/Crashes/<target>/. FUZZ_TARGETS picks a subset.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= $(notdir $(wildcard Fuzz/Corpus/*))
FUZZ_BUILD := $(SWIFT) build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
fuzz: deps-build
	$(FUZZ_BUILD)
	@bin=$$($(FUZZ_BUILD) --show-bin-path); failed=""; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p Fuzz/.build/corpus/$$t Fuzz/Crashes/$$t; echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
	  "$$bin/$$t" Fuzz/.build/corpus/$$t Fuzz/Corpus/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=Fuzz/Crashes/$$t/ 2>&1 | grep -E '^(#[0-9]+[[:space:]]+DONE|Done|stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==|artifact_prefix|Test unit written|.*fuzz invariant violated)' ; \
	  [ "$${PIPESTATUS[0]}" = 0 ] || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: crashes in:$$failed (inputs in Fuzz/Crashes/)"; exit 1; fi

lint:
	$(SWIFT) format lint --recursive --strict Sources Tests Package.swift

clean:
	rm -rf .build
