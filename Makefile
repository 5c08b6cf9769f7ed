# EDAL — the two commands a user needs:
#   make demo   run the LocalStack demo end to end (no Docker needed)
#   make test   install what is missing, build, start the test services, run every test, stop them
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: all deps build release image demo test lint format bench soak fuzz services-start services-stop clean

all: build

deps:
	infra/install-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

# The container image from Debian's packages and this repository, with podman (infra/image.sh):
# localhost/edal:VERSION and :latest. docs/deployment.md#the-image says what it holds and how else to build it.
image:
	infra/image.sh

# The LocalStack demo end to end, no Docker: SIZE=1GiB make demo for the proof of concept's acceptance run.
demo:
	infra/demo.sh

# Unit and integration tests against LocalStack, moto and the MongoDB test fixture (with the fleet
# run from the container image where podman runs: make image first); then the alert
# rules' unit tests and the dashboard's queries (promtool), and a short run of every fuzz target.
# Set EDAL_TEST_MONGO_URI=mongodb://… to run the store tests against a real MongoDB as well. Hashing is
# deterministic, so a simulation seed that fails here replays exactly (docs/testing.md).
test: deps lint
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	infra/image.sh --if-possible
	SWIFT_DETERMINISTIC_HASHING=1 infra/with-test-services.sh $(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS)
	infra/check-observability.sh
	FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) infra/fuzz.sh --smoke

# The code's format (.swift-format, the toolchain's `swift format`): make lint fails on any
# finding, make format rewrites the files.
FORMATTED = Sources Tests Package.swift Fuzz/Sources Fuzz/Package.swift
lint:
	$(SWIFT) format lint --strict --recursive --configuration .swift-format $(FORMATTED)

format:
	$(SWIFT) format format --in-place --recursive --configuration .swift-format $(FORMATTED)

# The libFuzzer targets (Fuzz/: notification, form-decoding, xml, aws-error, bson, credentials,
# profile-file), fuzzer + address sanitizers, FUZZ_SECONDS each; prints executions and coverage.
# make test runs each for FUZZ_SMOKE_SECONDS. TARGETS="xml bson" picks some.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4
TARGETS ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) infra/fuzz.sh $(TARGETS)

# Benchmarks, release build: micro-benchmarks, then 10,000 × 100 KiB and 100,000 small objects end
# to end against the native LocalStack; figures printed and written to .bench/results.json.
bench:
	infra/bench.sh

# The deterministic simulation at length (release build): SEEDS seeded runs of the whole worker
# against simulated services with crashes, outages, duplicates and overwrites (make test runs 2,000).
SEEDS ?= 100000
FIRST_SEED ?= 0
soak: deps
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing $(SWIFT_BUILD_FLAGS)
	SWIFT_DETERMINISTIC_HASHING=1 EDAL_SIM_SEEDS=$(SEEDS) EDAL_SIM_FIRST_SEED=$(FIRST_SEED) \
		$(SWIFT) test -c release --skip-build -Xswiftc -enable-testing --filter SimulationTests $(SWIFT_BUILD_FLAGS)

services-start: deps
	infra/test-services.sh start

services-stop:
	infra/test-services.sh stop

clean:
	infra/test-services.sh stop
	EDAL_TEST_SERVICES_DIR=.demo-services infra/test-services.sh stop
	EDAL_TEST_SERVICES_DIR=.bench-services infra/test-services.sh stop
	rm -rf .build .image Fuzz/.build .fuzz .test-services .demo-services .demo .bench-services .bench
