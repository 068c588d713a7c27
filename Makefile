# The two commands a fresh machine needs:
#   make demo   installs what is missing, builds, runs the demo pipeline, prints where its results are
#   make test   installs what is missing, builds, runs every test
BUILD ?= build
JOBS ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all deps build demo test bench fuzz clean format

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)

test: build
	@scripts/test.sh $(BUILD)

bench:
	@scripts/install-deps.sh --bench
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@bench/run.sh $(BUILD)

# Long fuzz runs: FUZZ_SECONDS per target (default 600) of every libFuzzer target.
FUZZ_SECONDS ?= 600
fuzz: deps
	@scripts/fuzz.sh all $(FUZZ_SECONDS) $(BUILD)/fuzz

format:
	@find src include tests bench examples -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
