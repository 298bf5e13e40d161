# Two commands on a fresh machine: `make run` (the assistant) and `make test` (everything).
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python310)
VENV := .venv
BIN := $(VENV)/bin
MODEL := models/assistant.tar.gz

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

# `rasa train` runs when one of these changed since the last training; Rasa's own fingerprints
# then retrain only the parts that need it (the place recogniser only when names change).
MODEL_INPUTS := config.yml domain.yml $(shell find data -name "*.yml") $(wildcard assistant/nlu/*.py) \
	assistant/knowledge/names.py

.PHONY: install train run check-data validate test test-unit test-e2e benchmark lock lint clean

install: $(BIN)/.installed

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==24.3.1"
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@

# axe-core for the widget's accessibility test: only `make test` needs Node.js, `make run` does not.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

check-data: install
	$(BIN)/python -m assistant.cli check-data

train: $(MODEL)

$(MODEL): $(BIN)/.installed $(MODEL_INPUTS)
	$(BIN)/python -m assistant.cli check-data
	$(BIN)/rasa train --fixed-model-name assistant --out models
	touch $@

run: $(MODEL)
	$(BIN)/python -m assistant.cli serve

# The production profile on this machine: PostgreSQL and Redis (ASSISTANT_DB_*, ASSISTANT_REDIS_*),
# several Rasa servers behind nginx (README, "Production profile").
.PHONY: run-production
run-production: $(MODEL)
	$(BIN)/python -m assistant.cli serve --profile production

# Telegram in polling mode (no public URL needed), beside `make run`; see docs/telegram.md.
.PHONY: telegram
telegram: install
	$(BIN)/python -m assistant.cli telegram

validate: install
	$(BIN)/rasa data validate

test-unit: install
	$(BIN)/pytest

# The end-to-end conversations through the real servers (also part of `make test`).
test-e2e: $(MODEL)
	$(BIN)/pytest --slow tests/test_conversations.py

# The ten slowest tests are listed at the end, to keep an eye on the suite's wall time.
test: check-data validate lint $(MODEL) node_modules/.installed
	$(BIN)/pytest --slow --durations=10

# Held-out multi-turn conversations (issue 7) through a fresh stack -> var/results/conversation-eval.md.
.PHONY: eval
eval: $(MODEL)
	$(BIN)/pytest --slow -q tests/test_heldout_conversations.py

benchmark: $(MODEL)
	LOG_LEVEL=WARNING $(BIN)/python -m scripts.benchmark_nlu
	$(BIN)/python -m scripts.benchmark_training

# Style and types, also run by `make test` so that CI keeps them.
lint: install
	$(BIN)/ruff format --check assistant actions tests scripts bench
	$(BIN)/ruff check assistant actions tests scripts bench
	$(BIN)/mypy

# Re-resolve the dependency tree from pyproject.toml and write requirements.lock.
lock:
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --upgrade "pip==24.3.1"
	var/lock-venv/bin/pip install --quiet -e ".[dev]"
	(echo "# Locked dependency tree (Python 3.10). Regenerate with: make lock"; \
	 var/lock-venv/bin/pip freeze --exclude-editable) > requirements.lock
	rm -rf var/lock-venv

clean:
	rm -rf $(VENV) models var/results
