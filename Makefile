# The two commands a new user needs: `make run` and `make test`. Each installs what it needs.
SWIFT ?= swift
CONFIG ?= config/mockconvex.json
ARGS ?=

.PHONY: run test build deps deps-build clean

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

test: deps
	$(SWIFT) build --build-tests
	MOCKCONVEX_BINARY=$$($(SWIFT) build --show-bin-path)/mockconvex $(SWIFT) test --skip-build

clean:
	rm -rf .build
