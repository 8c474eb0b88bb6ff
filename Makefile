# The two commands: `make run` (set up, build, start the development gateway) and `make test`
# (set up, build, run the whole suite, then the ASan+UBSan build of it and a short fuzz pass).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: all deps test-deps build asan-build fuzz-build run test unit-test asan-test fuzz-test fuzz bench format format-check clean

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test
	@[ tests/e2e/node_modules/.package-lock.json -nt tests/e2e/package-lock.json ] || \
	  npm ci --prefix tests/e2e --no-audit --no-fund

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/rtcgate run

asan-build: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DRTCGATE_SANITIZE=ON \
	  -DRTCGATE_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)

fuzz-build: deps
	cmake -S . -B $(FUZZ_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTCGATE_FUZZ=ON \
	  -DCMAKE_CXX_COMPILER=clang++
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

test: test-deps build asan-build fuzz-build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 600
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) --timeout 900
	scripts/run-fuzzers.sh $(FUZZ_BUILD) regression

unit-test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -L unit

fuzz: fuzz-build
	scripts/run-fuzzers.sh $(FUZZ_BUILD) explore $(or $(SECONDS_PER_FUZZER),120)

bench: build
	bench/run-all.sh $(BUILD)

format:
	find src tests fuzz bench -name '*.[ch]pp' | xargs clang-format -i

# What CI checks first (.ci/run): every C++ file as clang-format (.clang-format) writes it.
format-check: test-deps
	find src tests fuzz bench -name '*.[ch]pp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
