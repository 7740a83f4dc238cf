# The two commands of the README. Everything else is reached through CMake presets.
.PHONY: all setup build release demo test fuzz bench clean

all: build

setup:
	@scripts/setup

build: setup
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev

release: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release

demo: release
	@scripts/demo build/release/osiris

test: setup
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev
	@ctest --preset dev --output-on-failure
	@scripts/fuzz-run 20

fuzz: setup
	@scripts/fuzz-run 300

bench: release
	@bench/run

clean:
	rm -rf build demo
