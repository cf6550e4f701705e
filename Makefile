# evalkit: `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: layout test-scale help setup lock system-deps demo lab dashboard test bench fuzz clean clean-outputs

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv from requirements.lock (hashes checked), install evalkit, register the kernel and the nbstripout filter

# The lock pins every distribution with its hashes; evalkit itself is installed editable on top,
# without dependencies (an editable install has no hash to pin), and its modules compiled once (0.2 s of every process
# that imports it, each run's kernel included, where the environment forbids writing bytecode, as this machine's does).
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m compileall -q src
	$(BIN)/python -m ipykernel install --sys-prefix --name evalkit --display-name "Python (evalkit)" >/dev/null
	-git rev-parse --git-dir >/dev/null 2>&1 && $(BIN)/nbstripout --install --attributes .gitattributes
	touch $(STAMP)

# requirements-runtime.lock is what an offline replay installs (evalkit bundle): the runtime dependencies, the build
# requirements and pip, without the development tools, compiled with requirements.lock as a constraint so that every
# version and hash is the development lock's own.
lock: setup ## Regenerate requirements.lock (pip-compile, every version with its hashes), requirements-runtime.lock (the runtime alone, pinned as in requirements.lock) and environment.yml from pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --extra dev --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--constraint requirements.lock --output-file requirements-runtime.lock pyproject.toml deploy/runtime.in
	$(BIN)/python deploy/pin_environment.py

DEBIAN_PACKAGES := chromium poppler-utils libreoffice-calc python3-uno fonts-noto-cjk fonts-lxgw-wenkai fonts-dejavu-core
FONT_FILES := /usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc \
	/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf

system-deps: ## Install the Debian packages for PDF reports, the office test and the 通报's typefaces (Chromium, poppler, LibreOffice, Noto CJK, LXGW WenKai)
	@if command -v chromium >/dev/null && command -v pdftotext >/dev/null && command -v soffice >/dev/null \
		&& /usr/bin/python3 -c 'import uno' 2>/dev/null && fc-list :lang=zh | grep -q . && ls $(FONT_FILES) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(DEBIAN_PACKAGES) (Debian)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(DEBIAN_PACKAGES) >/dev/null; \
	else echo "missing Debian packages ($(DEBIAN_PACKAGES)) and no root apt: install them to run the report tests"; exit 1; fi

demo: setup system-deps ## Show Baotou's framework, make a demo signing key (示例, outside the repository) if none, run every Baotou notebook (unchanged periods are skipped; changed ones re-run, the old run kept), publish the periods not yet published, its history and the site
	$(BIN)/evalkit framework baotou
	$(BIN)/evalkit keys new baotou --demo --if-missing
	$(BIN)/evalkit run --all --city baotou
	$(BIN)/evalkit publish --skip-published $(foreach p,2022H1 2022H2 2022 2023H1 2023H2 2023,outputs/baotou/$(p))
	$(BIN)/evalkit history baotou
	$(BIN)/evalkit site
	@echo "outputs:"; for d in 2022H1 2022H2 2022 2023H1 2023H2 2023; do ls -d $$PWD/outputs/baotou/$$d/* ; done; echo "site: $$PWD/outputs/site/index.html"

lab: setup ## Open the notebooks in JupyterLab (as root too, e.g. in a container)
	$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/

# The explore notebook as a web app for those without Jupyter: Voilà runs it in a kernel of its own per visitor and shows
# its outputs and widgets only (never a code cell, never a traceback). It listens on this machine alone unless
# DASHBOARD_IP says otherwise (e.g. DASHBOARD_IP=0.0.0.0 behind a proxy that authenticates); DASHBOARD_PORT moves it.
DASHBOARD_IP ?= 127.0.0.1
DASHBOARD_PORT ?= 8866

dashboard: setup ## Serve the explore app read-only in the browser (Voilà) at http://127.0.0.1:8866 (DASHBOARD_IP, DASHBOARD_PORT)
	$(BIN)/voila --Voila.ip=$(DASHBOARD_IP) --port=$(DASHBOARD_PORT) --Voila.port_retries=0 --no-browser \
		--strip_sources=True --show_tracebacks=False notebooks/30_explore.ipynb

# The tests are spread over one process per core (pytest-xdist), a test file per process at a time, so
# that a file's shared runs are made once; TEST_JOBS=0 runs them in this process.
TEST_JOBS ?= auto

test: setup system-deps ## Run the test suite (one process per core; the slowest tests listed at the end)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile --durations=15

test-scale: setup system-deps ## The county-scale tests (300 generated scorecards), too long for make test
	$(BIN)/python -m pytest -m scale

layout: setup system-deps ## Nothing clipped in any period: both editions of every params file, run, then checked in print (PDF) and on screens 1280 and 390 px wide (make test checks the widest period of each city)
	$(BIN)/python -m pytest -m scale tests/publish/test_layout.py

FUZZ_SECONDS ?= 60

fuzz: setup ## Fuzz the workbook reader for FUZZ_SECONDS (atheris, coverage-guided); a failing input is saved in outputs/fuzz/
	$(BIN)/python fuzz/fuzz_reader.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=3072

bench: setup ## Run the scale benchmarks
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_read.py
	$(BIN)/python benchmarks/bench_problems.py
	$(BIN)/python benchmarks/bench_sensitivity.py
	$(BIN)/python benchmarks/bench_batch.py

clean: ## Remove .venv and the test caches; never outputs/ (the archive and the ledger: see clean-outputs)
	rm -rf $(VENV) .pytest_cache .hypothesis

clean-outputs: ## Remove outputs/ (every archived run and the ledger), after typing "outputs" to confirm
	@printf 'This removes %s: every archived run and the ledger. Type outputs to confirm: ' "$$PWD/outputs"; \
	read answer; if [ "$$answer" = outputs ]; then rm -rf outputs && echo "removed $$PWD/outputs"; else echo "nothing removed"; exit 1; fi
