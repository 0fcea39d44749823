# Veerkracht: make demo | test | test-fast | lint | bench
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: setup demo test test-fast lint bench clean

setup:
	bash scripts/setup.sh

demo: setup
	$(UV) run veerkracht demo

test: setup
	bash scripts/test.sh

test-fast: setup
	$(UV) run pytest -m "not slow and not browser" -n 2

lint: setup
	$(UV) run ruff check src tests bench

bench: setup
	$(UV) run python -m bench

clean:
	rm -rf veerkracht-data bench/out
