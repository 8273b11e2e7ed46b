# The two commands a new user needs: `make run` and `make test`. Each installs what it needs.
SWIFT ?= swift
CONFIG ?= config/mockconvex.json
ARGS ?=

.PHONY: run test build static image bench fuzz soak test-sanitize deps deps-build clean

deps-build:
	./scripts/install-deps.sh build

deps:
	./scripts/install-deps.sh all

build: deps-build
	$(SWIFT) build -c release --product mockconvex

# Serves the example config on 3210, 3211 and 80 (port 80 needs root; add ARGS=--no-port80
# or ARGS="--port80-port 8080" otherwise).
run: build
	$$($(SWIFT) build -c release --show-bin-path)/mockconvex --config $(CONFIG) $(ARGS)

# The binary as docker/Dockerfile builds it: static Swift runtime and SQLite, so that libevent
# and wslay are its only extra libraries (Linux only; the tests check it with ldd and run it).
STATIC_BUILD = MOCKCONVEX_STATIC_SQLITE=1 $(SWIFT) build -c release --static-swift-stdlib --product mockconvex --scratch-path .build-static
static: deps-build
	$(STATIC_BUILD)

# The fixture image, mockconvex:local, with podman or docker (whichever is installed; podman
# first). Where the Swift image cannot be pulled, the binary comes from `make static`, and where
# no registry answers at all, the Debian base comes from debootstrap (scripts/container-engine.sh).
ENGINE ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
IMAGE ?= mockconvex:local
image:
	ENGINE=$(ENGINE) ./scripts/container-engine.sh image $(IMAGE)
	$(ENGINE) image inspect $(IMAGE) --format '$(IMAGE): {{.Size}} bytes'

# Every suite has a time limit, but Swift Testing only reports a test that overruns it; the
# outer bound ends a run that hangs all the same.
TEST_TIMEOUT ?= 1800
test: deps
	$(SWIFT) build --build-tests
	$(STATIC_BUILD)
	mkdir -p .build && MAKE="$(MAKE)" ./scripts/container-engine.sh test-setup > .build/container-env
	set -a && . ./.build/container-env && set +a && \
	MOCKCONVEX_BINARY=$$($(SWIFT) build --show-bin-path)/mockconvex \
	MOCKCONVEX_STATIC_BINARY=$$($(STATIC_BUILD) --show-bin-path)/mockconvex \
	timeout --kill-after=30 $(TEST_TIMEOUT) $(SWIFT) test --skip-build

# Speed, as ratios against a bare C evhttp server and nginx in the same run, five interleaved
# rounds per pair, and instructions per request under callgrind (about ten minutes).
BENCH_CC ?= $(shell command -v cc || command -v clang)
bench:
	./scripts/install-deps.sh bench
	$(SWIFT) build -c release --product mockconvex
	mkdir -p .build/bench
	$(BENCH_CC) -O2 -o .build/bench/evhttp_baseline bench/evhttp_baseline.c $$(pkg-config --cflags --libs libevent)
	$(STATIC_BUILD)
	python3 bench/run.py --mockconvex $$($(SWIFT) build -c release --show-bin-path)/mockconvex --baseline .build/bench/evhttp_baseline \
	  --static $$($(STATIC_BUILD) --show-bin-path)/mockconvex

# libFuzzer over the parsers and the router, FUZZ_SECONDS each, from the seeds in Fuzz/corpus
# (copied, so the seeds stay as committed). Crashes land in .build-fuzz/crashes/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = FuzzJSON FuzzDocumentId FuzzRange FuzzConfig FuzzRouter
FUZZ_BUILD = MOCKCONVEX_FUZZ=1 $(SWIFT) build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address
fuzz: deps-build
	set -e; for target in $(FUZZ_TARGETS); do $(FUZZ_BUILD) --product $$target; done
	set -e; bin=$$($(FUZZ_BUILD) --show-bin-path); mkdir -p .build-fuzz/crashes; \
	for target in $(FUZZ_TARGETS); do \
	  rm -rf .build-fuzz/corpus/$$target; mkdir -p .build-fuzz/corpus/$$target; \
	  echo "== $$target ($(FUZZ_SECONDS) s)"; \
	  status=0; SWIFT_BACKTRACE=enable=no $$bin/$$target -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=.build-fuzz/crashes/$$target- .build-fuzz/corpus/$$target Fuzz/corpus/$$target \
	    > .build-fuzz/$$target.log 2>&1 || status=$$?; \
	  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==[0-9]+==ERROR|SUMMARY|Test unit written)" .build-fuzz/$$target.log || true; \
	  if [ $$status -ne 0 ]; then echo "$$target failed (exit $$status): .build-fuzz/$$target.log, input in .build-fuzz/crashes/"; exit 1; fi; \
	done

# The whole suite under AddressSanitizer, then under ThreadSanitizer with every server the tests
# start on two loops. Leak detection is off: a server that exits leaves its loops' pending
# timers and connections unfreed by design (docs/hardening.md); growth is what `make soak` checks.
ASAN_BUILD = $(SWIFT) build --build-tests -Xswiftc -sanitize=address --scratch-path .build-asan
TSAN_BUILD = $(SWIFT) build --build-tests -Xswiftc -sanitize=thread --scratch-path .build-tsan
test-sanitize: deps
	$(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=0 MOCKCONVEX_BINARY=$$($(ASAN_BUILD) --show-bin-path)/mockconvex \
	  $(SWIFT) test --skip-build -Xswiftc -sanitize=address --scratch-path .build-asan
	$(TSAN_BUILD)
	TSAN_OPTIONS=halt_on_error=1 MOCKCONVEX_THREADS=2 MOCKCONVEX_BINARY=$$($(TSAN_BUILD) --show-bin-path)/mockconvex \
	  $(SWIFT) test --skip-build -Xswiftc -sanitize=thread --scratch-path .build-tsan

# Thousands of connections and every kind of route for SOAK_SECONDS on loopback, with thousands
# of sync sessions under a mutation stream; fails on any error, RSS growth of 10% after
# warm-up, or descriptors not back to the baseline.
SOAK_SECONDS ?= 180
soak: deps
	$(SWIFT) build -c release --product mockconvex
	python3 soak/soak.py --mockconvex $$($(SWIFT) build -c release --show-bin-path)/mockconvex --seconds $(SOAK_SECONDS)

clean:
	rm -rf .build .build-static .build-fuzz .build-asan .build-tsan
