# yinqi-twin — every target bootstraps what it needs (idempotent; a no-op when up to date).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
SCENARIO ?= scenarios/baseline.yaml
PYTEST_ARGS ?=

.PHONY: run test lint bootstrap mosquitto chromium clean bench bench-golden bench-telemetry \
	bench-ledger bench-sweep

bootstrap: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "yinqi-twin needs Python >= 3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's mosquitto for the external-broker tests and mosquitto-clients (mosquitto_pub) as an
# MQTT client independent of paho in the broker tests (CI runs as root on a Debian machine).
mosquitto:
	@{ command -v mosquitto >/dev/null || test -x /usr/sbin/mosquitto; } && \
	  command -v mosquitto_pub >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	     apt-get install -y -qq mosquitto mosquitto-clients >/dev/null) ; } || \
	  echo "mosquitto not installed (not root or no apt-get): the external-broker tests will fail"

# Debian's Chromium for the browser tests (report screenshot, dashboard), driven by Playwright
# through executable_path; Playwright's own browser download is never used.
chromium:
	@command -v chromium >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	     apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "chromium not installed (not root or no apt-get): the browser tests will fail"

run: bootstrap
	$(BIN)/yinqi run $(SCENARIO)

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: bootstrap mosquitto chromium lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Performance table: each case on its real component at a benchmark size: agent-days/s, the
# component's rate against its raw limit measured in the same run, peak memory (see
# docs/performance.md).
bench: bootstrap
	$(BIN)/python -m sim.perf

# Golden KPI bands of scenarios/benchmarks.yaml (regression of default and utilisation rates).
bench-golden: bootstrap
	$(BIN)/yinqi bench

# Case 3: sensor → broker → monitor throughput vs a raw paho round trip (embedded amqtt, mosquitto),
# then the whole case at 3,000 devices x 12 months on the fake, embedded amqtt and mosquitto.
bench-telemetry: bootstrap mosquitto
	$(BIN)/python -m products.telemetry.bench
	$(BIN)/python -m products.telemetry.case_bench

# Case 1 ledger: the adapter against its raw limit on Anvil and on revm (tx/s, ratios), Anvil's
# empty-block cost against stored receivables (before / after the fork), then case 1 on revm at
# 100+100 and 1,000+1,000 suppliers x 12 months (innovated mode; wall time and ledger ops).
LEDGER_RUN = $(BIN)/yinqi run scenarios/supply_chain.yaml --no-progress --out runs/bench-ledger \
	--set supply_chain.ledger.adapter=revm --set "modes=[innovated]"
bench-ledger: bootstrap
	$(BIN)/python -m products.ledger.bench
	$(BIN)/python -m products.ledger.bench --block-cost
	$(LEDGER_RUN)
	$(LEDGER_RUN) --set supply_chain.population.tier1_count=1000 \
		--set supply_chain.population.tier2_count=1000

# Sweep parallel efficiency: 8 real-component runs on 1 vs 2 warm local workers (T1 / (2 · T2)).
bench-sweep: bootstrap
	$(BIN)/python -m sim.sweep_bench

clean:
	rm -rf $(VENV) node_modules build runs .pytest_cache .mypy_cache .ruff_cache
