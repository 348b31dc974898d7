# Trellis: `make demo` runs the product with demo data; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Links in the demo's emails point at the port it serves.
DEMO_ENV := DEBUG=true PUBLIC_BASE_URL=http://127.0.0.1:$(PORT)

.PHONY: demo test bench install install-dev check-python

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Trellis needs Python 3.11 or newer; this is " + sys.version.split()[0])'

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)

# Installs are pinned by requirements.lock and redone only when it or pyproject.toml change.
$(VENV)/.installed-runtime: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-runtime
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@touch $@

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

demo: install
	@$(DEMO_ENV) $(BIN)/trellis migrate --noinput -v 0
	@$(DEMO_ENV) $(BIN)/trellis import demo/demo.json
	@$(DEMO_ENV) $(BIN)/trellis demo_accounts
	@echo
	@echo "Trellis is running. Customer portal: http://127.0.0.1:$(PORT)/  Back office: http://127.0.0.1:$(PORT)/office/"
	@echo "Email is captured, not sent: staff read it in the back office under Email. Ctrl-C stops the server."
	@$(DEMO_ENV) $(BIN)/trellis runserver 127.0.0.1:$(PORT) --noreload

# DATABASE_URL picks the database (SQLite by default), e.g.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make test
test: install-dev
	$(BIN)/pytest

# Issue 12's benchmark: Trellis against a bare Django view under the same
# gunicorn (needs wrk and PostgreSQL; bench/README.md), e.g.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench BENCH_ARGS="--scale 0.1"
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)
