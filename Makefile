# One command each: `make run` (set up and start), `make test` (set up and test), `make bench`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export STORMS_DATA_DIR ?= $(CURDIR)/var

.PHONY: run demo test test-scale bench lint typecheck migrate venv clean system-deps

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(BIN)/storms db upgrade

run: migrate
	$(BIN)/storms serve --host 127.0.0.1 --port 5000

DEMO_DATA ?= ../shared/data
REPLAY_PORT ?= 8765
# `make run` on the real files of ../shared/data replayed over local HTTP (its own store in
# var/demo); SWPC feeds run live from 2026-04-18T06:05, inside 42 min of Bz < -10 nT.
demo: export STORMS_DATA_DIR := $(CURDIR)/var/demo
demo: migrate
	rm -f $(STORMS_DATA_DIR)/replay.env; \
	$(BIN)/storms replay serve --root $(DEMO_DATA) --port $(REPLAY_PORT) \
	  --live-from 2026-04-18T06:05 --env-file $(STORMS_DATA_DIR)/replay.env & \
	replay=$$!; trap 'kill $$replay' EXIT INT TERM; \
	while [ ! -s $(STORMS_DATA_DIR)/replay.env ]; do sleep 0.2; done; \
	. $(STORMS_DATA_DIR)/replay.env; \
	$(BIN)/storms serve --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy propagation storms

# Debian tools the tests use (stilts for taplint, chromium for the browser tests, wrk
# for the load tests),
# installed when missing.
system-deps:
	@missing=""; command -v stilts >/dev/null 2>&1 || missing="$$missing stilts"; \
	  test -x /usr/bin/chromium || missing="$$missing chromium"; \
	  command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	    else echo "missing:$$missing; their tests will skip (and fail under CI)"; fi; \
	  fi

test: lint typecheck system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The scale and fault suite alone (also part of `make test`): wrk load, PostgreSQL restart,
# several workers. STORMS_LOAD_SECONDS shortens the load runs (default 60).
test-scale: $(STAMP) system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider -s tests/scale $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py $(ONLY)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
