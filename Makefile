# evalkit: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: help setup system-deps demo lab test bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv, install evalkit with its dev extra, register the 'evalkit' Jupyter kernel

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name evalkit --display-name "Python (evalkit)" >/dev/null
	touch $(STAMP)

DEBIAN_PACKAGES := chromium poppler-utils libreoffice-calc python3-uno

system-deps: ## Install the Debian packages for PDF reports and the office test (Chromium, poppler, LibreOffice)
	@if command -v chromium >/dev/null && command -v pdftotext >/dev/null && command -v soffice >/dev/null \
		&& /usr/bin/python3 -c 'import uno' 2>/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(DEBIAN_PACKAGES) (Debian)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(DEBIAN_PACKAGES) >/dev/null; \
	else echo "missing Debian packages ($(DEBIAN_PACKAGES)) and no root apt: install them to run the report tests"; exit 1; fi

demo: setup system-deps ## Show Baotou's framework, then run every Baotou notebook (earlier runs are kept, dated)
	$(BIN)/evalkit framework baotou
	$(BIN)/evalkit run --all --city baotou --force
	@echo "outputs:"; for d in outputs/baotou/2022H1 outputs/baotou/2022H2 outputs/baotou/2022; do ls -d $$PWD/$$d/* ; done

lab: setup ## Open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/

test: setup system-deps ## Run the test suite
	$(BIN)/python -m pytest

bench: setup ## Run the scale benchmarks
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_read.py
	$(BIN)/python benchmarks/bench_sensitivity.py
	$(BIN)/python benchmarks/bench_batch.py

clean: ## Remove .venv and outputs/
	rm -rf $(VENV) outputs
