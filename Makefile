# EDAL — the two commands a user needs:
#   make demo   run the LocalStack demo end to end (no Docker needed)
#   make test   install what is missing, build, start the test services, run every test, stop them
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: all deps build release demo test test-unit bench services-start services-stop clean

all: build

deps:
	infra/install-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

# The LocalStack demo end to end, no Docker: SIZE=1GiB make demo for the proof of concept's acceptance run.
demo:
	infra/demo.sh

# Unit and integration tests against LocalStack, moto and the MongoDB test fixture.
# Set EDAL_TEST_MONGO_URI=mongodb://… to run the store tests against a real MongoDB as well.
test: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	infra/with-test-services.sh $(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS)

# Benchmarks, release build: prints the figures (micro-benchmarks of signing-free hot paths so far).
bench: deps
	$(SWIFT) build -c release --product edal-bench $(SWIFT_BUILD_FLAGS)
	$$($(SWIFT) build -c release --show-bin-path)/edal-bench

services-start: deps
	infra/test-services.sh start

services-stop:
	infra/test-services.sh stop

clean:
	infra/test-services.sh stop
	EDAL_TEST_SERVICES_DIR=.demo-services infra/test-services.sh stop
	rm -rf .build .test-services .demo-services .demo
