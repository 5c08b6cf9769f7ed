# EDAL — the two commands a user needs:
#   make demo   run the LocalStack demo end to end (no Docker needed)
#   make test   install what is missing, build, start the test services, run every test, stop them
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

.PHONY: all deps build release test test-unit services-start services-stop clean

all: build

deps:
	infra/install-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

# Unit and integration tests against LocalStack, moto and the MongoDB test fixture.
# Set EDAL_TEST_MONGO_URI=mongodb://… to run the store tests against a real MongoDB as well.
test: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	infra/with-test-services.sh $(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS)

services-start: deps
	infra/test-services.sh start

services-stop:
	infra/test-services.sh stop

clean:
	infra/test-services.sh stop
	rm -rf .build .test-services
