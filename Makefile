# evalkit: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: help setup system-deps demo test bench clean

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install evalkit with its dev extra

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

system-deps: ## Install Debian packages the tests use (LibreOffice Calc), when run as root with apt
	@if command -v soffice >/dev/null && /usr/bin/python3 -c 'import uno' 2>/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing libreoffice-calc and python3-uno (Debian) for the spreadsheet round-trip test"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			libreoffice-calc python3-uno >/dev/null) || echo "could not install LibreOffice: its test will be skipped"; \
	else echo "LibreOffice not installed and no root apt: its test will be skipped"; fi

demo: setup ## Show Baotou's framework and score METHOD.md §7's worked example
	$(BIN)/evalkit framework baotou
	$(BIN)/evalkit score baotou 2022H1 --data-dir data/baotou/examples/method_7 \
		--applicability data/baotou/examples/method_7/applicability.csv

test: setup system-deps ## Run the test suite
	$(BIN)/python -m pytest

bench: setup ## Run the scale benchmarks
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_read.py

clean: ## Remove .venv and outputs/
	rm -rf $(VENV) outputs
