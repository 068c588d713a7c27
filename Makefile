# The two commands a fresh machine needs:
#   make demo   installs what is missing, builds, runs the demo pipeline, prints where its results are
#   make test   installs what is missing, builds, runs every test
BUILD ?= build
JOBS ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all deps build demo test bench fuzz clean format format-check sanitize chaos

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

# The CI checks one at a time (scripts/ci-checks.sh): style, ASan+UBSan unit tests, TSan scheduler tests.
format-check:
	@scripts/ci-checks.sh $(BUILD) format
sanitize:
	@scripts/ci-checks.sh $(BUILD) asan tsan

# The chaos campaign: N random engine kills (SIGKILL/SIGTERM/SIGHUP) with resubmits, then
# TRIALS trials of 8 identical + 8 different concurrent submits, MUTATIONS mutated pipeline
# files planned (no crash, hang or internal error); prints the counts.
N ?= 100
TRIALS ?= 20
MUTATIONS ?= 10000
chaos: build
	@/usr/bin/python3 tests/chaos/chaos.py --runnel $(BUILD)/runnel --kills $(N); a=$$?; \
	/usr/bin/python3 tests/chaos/concurrency.py --runnel $(BUILD)/runnel --trials $(TRIALS); b=$$?; \
	/usr/bin/python3 tests/chaos/mutate.py --runnel $(BUILD)/runnel --count $(MUTATIONS); c=$$?; \
	test $$a = 0 -a $$b = 0 -a $$c = 0

clean:
	rm -rf $(BUILD)
