# Two commands do everything on a fresh machine (Python 3.11, Node 20, npm):
#   make dev    set up, then run the local platform (`lancer dev`)
#   make test   set up, then run the whole test suite
# Both are safe to run again.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup dev test bench fuzz fuzz-api clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

# The web app (web/) is its own npm project.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

setup: $(STAMP) node_modules/.package-lock.json web/node_modules/.package-lock.json

dev: setup
	$(BIN)/lancer dev

test: setup
	bash scripts/ensure_services.sh
	bash scripts/ensure_browser.sh
	bash scripts/run_tests.sh $(PYTEST_ARGS)

bench: setup
	bash scripts/ensure_wrk.sh
	$(BIN)/lancer bench indexer
	$(BIN)/lancer bench api

# The randomized reorg/kill test of the indexer, long: `make fuzz SEED=3 ROUNDS=300`.
SEED ?= 1
ROUNDS ?= 300
fuzz: setup
	bash scripts/ensure_services.sh
	PATH="$(CURDIR)/node_modules/@foundry-rs/anvil-linux-amd64/bin:$$PATH" \
		$(BIN)/python -m tests.support.reorg_fuzz --seed $(SEED) --rounds $(ROUNDS)

# The schemathesis property tests over the whole API, searching SCALE times as many examples as `make test`.
SCALE ?= 5
fuzz-api: setup
	bash scripts/ensure_services.sh
	FUZZ_SCALE=$(SCALE) bash scripts/run_tests.sh tests/api/test_fuzz.py tests/api/test_fuzz_stateful.py \
		tests/api/reads/test_schema.py

clean:
	rm -rf $(VENV) node_modules web/node_modules web/.next .pytest_cache .hypothesis
