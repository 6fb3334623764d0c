# The two commands: `make reproduce` (the main job) and `make test`.
# Each creates or refreshes .venv by itself (idempotent), then runs.
PYTHON ?= python3
VENV ?= .venv
PROFILE ?= smoke
# a YAML/TOML experiment instead of a profile: make reproduce CONFIG=my.yaml
CONFIG ?=
# CPU wheel by default; a GPU box sets e.g. TORCH_SPEC="torch==2.13.0" with its CUDA index.
TORCH_SPEC ?= torch==2.13.0
PIP_FLAGS ?= -q --disable-pip-version-check
BIN := $(VENV)/bin
STAMP := $(VENV)/.arsr-installed
NOTEBOOK_BUILD := build/notebooks

.PHONY: venv test test-slow test-all lint reproduce

venv: $(STAMP)

# torch first (or pip pulls a multi-GB CUDA build for anything depending on torch),
# then the package with its dev extras at the versions of constraints.txt (the set the committed reports
# were made with: pyproject's >= ranges alone resolve to whatever is newest on the day; docs/reproducibility.md);
# CONSTRAINTS= (empty) installs from the ranges. The stamp records the torch spec and constraints.
CONSTRAINTS ?= constraints.txt
$(STAMP): pyproject.toml Makefile $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/python -m pip install $(PIP_FLAGS) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install $(PIP_FLAGS) $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e ".[dev]"
	@echo "$(TORCH_SPEC) $(CONSTRAINTS)" > $(STAMP)

# the same checks as .pre-commit-config.yaml: lint, formatting, types
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# the notebooks are jupytext py:percent sources; nbval runs the .ipynb made from them.
# `make test` is the developer's loop (every test but the `dryrun` group, ~10 min on 2 cores);
# `make test-slow` runs the paper profile's dry run on real clips (~13 min); CI (.ci/run) runs both.
test: lint
	$(BIN)/python -m pytest -q --durations=5 -m "not dryrun" tests
	rm -rf $(NOTEBOOK_BUILD)
	$(BIN)/python -m arsr_lib notebooks --out $(NOTEBOOK_BUILD) > /dev/null
	$(BIN)/python -m pytest -q --nbval-lax -p no:cacheprovider $(NOTEBOOK_BUILD)

reproduce: venv
	$(BIN)/python -m arsr_lib reproduce --profile $(PROFILE) $(if $(CONFIG),--config $(CONFIG))

test-slow: venv
	$(BIN)/python -m pytest -q --durations=5 -m dryrun tests

test-all: test test-slow
