# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SPACY  := var/spacy/nl_lookups/meta.json
CONFIG ?= config.yml
# What a trained model depends on; the stamp names the config it was trained with.
MODEL_INPUTS := domain.yml $(CONFIG) $(wildcard data/*.yml) $(wildcard cyberbot/nlu/*.py)
MODEL  := models/.trained.$(CONFIG)

# Quiet TensorFlow's start-up chatter; keep Rasa's own logging.
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Rasa sends usage telemetry and crash reports (Sentry) to its makers unless told not to:
# nothing about these conversations leaves the machine.
export RASA_TELEMETRY_ENABLED := false

.PHONY: help install train run shell rollback model-status test checks lint eval bench bench-dashboard \
	clean browser-deps

help:
	@echo "make run    set everything up and start the assistant (Rasa :5005, actions :5055,"
	@echo "            demo site with the chat widget http://localhost:8080)"
	@echo "make test   set everything up and run every test"
	@echo "make shell  chat in the terminal"
	@echo "make eval   NLU cross-validation and held-out accuracy into results/"
	@echo "make bench  load benchmark: 1 and 2 replicas vs a bare rasa init, into results/"
	@echo "make bench-dashboard  the dashboard and stats API over 100,000 conversations"
	@echo "make rollback      back to the model that served before the newest one"
	@echo "make model-status  the kept models, which one serves, the gate's decisions"
	@echo "make install / train / lint / clean"

install: $(STAMP) $(SPACY)

# Re-installs only when the lock file or the project metadata changed. uv installs the
# same pinned packages as pip would, in seconds instead of minutes.
UV_VERSION := 0.9.30
UV_INSTALL := $(BIN)/uv pip install --quiet --python $(BIN)/python
$(STAMP): requirements.lock requirements-dev.lock requirements.nodeps.lock pyproject.toml \
		scripts/find-python.sh
	@set -e; PY="$$(scripts/find-python.sh)"; \
	if ! $(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
		echo "Creating $(VENV) with $$PY"; rm -rf $(VENV); "$$PY" -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip==24.0" "uv==$(UV_VERSION)"
	$(UV_INSTALL) -r requirements.lock
	$(UV_INSTALL) -r requirements-dev.lock
	$(UV_INSTALL) --no-deps -r requirements.nodeps.lock
	$(UV_INSTALL) --no-deps --no-build-isolation -e .
	@touch $@

# Dutch spaCy pipeline built from installed packages (nothing is downloaded).
$(SPACY): $(STAMP) cyberbot/spacy_nl.py
	$(BIN)/python -m cyberbot.spacy_nl var/spacy/nl_lookups

# Trains only when data, domain, config or the custom NLU components changed; Rasa's
# cache then reuses every component whose own inputs are unchanged. The model gate
# (cyberbot/model_gate) keeps the last few models and compares a new one with the serving
# one on the held-out set and the test stories (GATE=0: only keep the last few).
GATE ?= 1
train: install $(MODEL)

$(MODEL): $(MODEL_INPUTS) | $(STAMP) $(SPACY)
	$(BIN)/rasa train --config $(CONFIG) --out models
	@rm -f models/.trained.*
	@touch $@
	$(BIN)/python -m cyberbot.model_gate after-train $(if $(filter 0,$(GATE)),--no-evaluate)

# The gate chooses the model that serves: a new model only when it is not worse than the
# serving one by more than the margin; FORCE_MODEL=1 serves it anyway.
SELECT_MODEL = $(BIN)/python -m cyberbot.model_gate select \
	$(if $(filter 1 yes true,$(FORCE_MODEL)),--force)

run: train
	$(SELECT_MODEL)
	$(BIN)/python -m cyberbot.launcher run

shell: train
	$(SELECT_MODEL)
	$(BIN)/python -m cyberbot.launcher shell

# Back to the model that served before the newest one (or set a refused one aside).
rollback: install
	$(BIN)/python -m cyberbot.model_gate rollback

model-status: install
	$(BIN)/python -m cyberbot.model_gate status

lint: install
	$(BIN)/ruff check cyberbot actions tests
	$(BIN)/mypy

# The browser tests drive Debian's chromium (Playwright's own download cannot work here);
# the widget's unit tests run on Node's built-in test runner; the deployment tests check
# deploy/nginx.conf with `nginx -t`. All come from apt.
CHROMIUM ?= /usr/bin/chromium
APT := $(if $(filter 0,$(shell id -u)),,sudo) apt-get
# Only what is missing is installed: a machine may have Node.js from elsewhere (NodeSource
# bundles npm, and Debian's npm package conflicts with it).
browser-deps:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	PATH="$$PATH:/usr/sbin" command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing for the browser, widget and deployment tests"; \
		$(APT) update -q && $(APT) install -y -q --no-install-recommends $$missing; \
	fi

# axe-core, with which the browser tests check the console's pages for accessibility.
NODE_TOOLS := node_modules/.package-lock.json
$(NODE_TOOLS): package.json package-lock.json | browser-deps
	npm ci --no-audit --no-fund
	@touch $@

# The checks that need no model; make test runs them while the model trains.
checks: lint browser-deps $(NODE_TOOLS)
	node --test widget/tests/
	$(BIN)/rasa data validate --fail-on-warnings

# The tests run on the newest model; judging it is for make run (GATE=0). Training and
# the checks share the two cores; each one's output is shown when it is done. Two pytest
# workers: the tests of the shared bot on one, the modules with servers of their own on
# the other, then the unit tests on both (tests/conftest.py names the groups).
test:
	$(MAKE) --no-print-directory -j2 --output-sync=target GATE=0 train checks
	$(BIN)/python -m cyberbot.rasa_compat test core --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out results/test_stories
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=25

eval: train
	$(BIN)/python -m cyberbot.evaluation --config $(CONFIG) --out results

# Not a test: about 8 minutes, measuring; the figures land in results/bench.json and .md.
bench: train
	$(BIN)/python -m tests.bench
	$(BIN)/python -m pytest -m bench -s tests/bench/test_speed.py tests/bench/test_cpu_in_process.py \
		tests/bench/test_paging_100k.py

# Not a test: the dashboard and the stats API over 100,000 conversations (a few minutes);
# the figures land in results/dashboard_bench.json and .md.
bench-dashboard: install
	$(BIN)/python -m pytest -m bench -s tests/bench/test_dashboard_100k.py

clean:
	rm -rf models results var/spacy .pytest_cache .mypy_cache .ruff_cache
