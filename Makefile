# TradePilot: `make demo` and `make test` work on a fresh machine from a clean clone.
# Everything is installed from the public package index with uv and uv.lock.

SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# Ignore this machine's pip configuration (local wheel folders): public index only.
PUBLIC_PIP := PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= \
	$(TOOLS)/bin/python -m pip install --quiet --index-url https://pypi.org/simple
export UV_PYTHON_DOWNLOADS := never
RUN := $(UV) run --locked --no-sync
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Where `make demo` serves: PORT=8001 make demo (HOST=0.0.0.0 to reach it from elsewhere).
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup browser imap demo test lint format bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(PUBLIC_PIP) "uv==0.13.9"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --compile-bytecode
	touch $@

# Bytecode for our own code too: where PYTHONDONTWRITEBYTECODE is set (this machine
# sets it), every process would otherwise compile every module it imports, about 4 s
# of CPU per CLI or test process.
setup: .venv/.synced
	@$(RUN) python -m compileall -q -j 0 src tests bench >/dev/null

# Debian's chromium drives the end-to-end tests (Playwright never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# Debian's dovecot: the IMAP server the inbox tests start on a local port.
imap:
	@command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || { \
		echo "installing Debian's dovecot for the IMAP tests"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq dovecot-imapd >/dev/null; }

demo: setup
	$(RUN) tradepilot demo --host $(HOST) --port $(PORT)

test: setup browser imap
	$(RUN) pytest -n 2 --dist loadgroup -q

lint: setup
	$(RUN) ruff check src tests bench
	$(RUN) ruff format --check src tests bench
	$(RUN) mypy

format: setup
	$(RUN) ruff format src tests bench
	$(RUN) ruff check --fix src tests bench

bench: setup
	$(RUN) python bench/import_bench.py
	$(RUN) python bench/web_bench.py
	$(RUN) python bench/forecast_bench.py
	$(RUN) python bench/forecast_export_bench.py
	$(RUN) python bench/launch_bench.py --test
	$(RUN) python bench/replenishment_bench.py
	$(RUN) python bench/cli_startup_bench.py
	$(RUN) python bench/recommend_bench.py
	$(RUN) python bench/customers_bench.py
	$(RUN) python bench/ledger_bench.py
	$(RUN) python bench/payments_bench.py
	$(RUN) python bench/inbox_bench.py
	$(RUN) python bench/text_bench.py
	$(RUN) python bench/risk_bench.py

clean:
	rm -rf .venv $(TOOLS) tradepilot-demo .pytest_cache .mypy_cache .ruff_cache
