#!/usr/bin/env bash
# `make docker-test`: build the image, start it, wait for /healthz, ask one question about the
# seed corpus and check that the server runs as a non-root user. The container is removed
# however the test ends. Needs Docker and curl; no Python on the host (the answer is checked
# with the image's own Python).
#
#   bash scripts/docker_test.sh
#
# Environment:
#   TORCH_INDEX            passed to `docker build` as --build-arg (a CPU wheel index for torch)
#   PQA_DOCKER_TAG         image tag (policyqa:test)
#   PQA_DOCKER_TIMEOUT     seconds to wait for /healthz to answer 200 (600)
#   PQA_DOCKER_PORT        host port to publish 8000 on (default: a free one Docker picks)
#   PQA_DOCKER_SKIP_BUILD  1: test the image already tagged PQA_DOCKER_TAG, do not build
#
# Exit status: 0 passed, 1 a check failed, 2 Docker (or curl) is not available.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG="${PQA_DOCKER_TAG:-policyqa:test}"
TIMEOUT="${PQA_DOCKER_TIMEOUT:-600}"
NAME="policyqa-docker-test-$$"
# data/corpus/002_fdf6c96830e6b8c3.txt, 一、工作目标: "……发明专利拥有量翻一番……"
QUESTION="东湖高新区2025年发明专利目标是什么？"
EXPECT="翻一番"

say() { echo "docker-test: $*" >&2; }
fail() { echo "docker-test: FAIL: $*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || { echo "docker not found: make docker-test needs Docker" >&2; exit 2; }
command -v curl >/dev/null 2>&1 || { echo "curl not found: make docker-test needs curl" >&2; exit 2; }
docker info >/dev/null 2>&1 \
    || { echo "docker-test: cannot reach the Docker daemon (docker info failed)" >&2; exit 2; }
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || fail "PQA_DOCKER_TIMEOUT must be a whole number of seconds"

WORK="$(mktemp -d)"
CID=""
cleanup() {
    local rc=$?
    if [[ -n "$CID" ]]; then
        if [[ $rc -ne 0 ]]; then
            say "the container's last log lines:"
            docker logs --tail 40 "$CID" >&2 2>&1 || true
        fi
        docker rm -f "$CID" >/dev/null 2>&1 || say "could not remove container $CID"
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Build.
if [[ "${PQA_DOCKER_SKIP_BUILD:-0}" == 1 ]]; then
    say "using the existing image $TAG (PQA_DOCKER_SKIP_BUILD=1)"
else
    build_args=()
    [[ -n "${TORCH_INDEX:-}" ]] && build_args+=(--build-arg "TORCH_INDEX=$TORCH_INDEX")
    say "building $TAG${TORCH_INDEX:+ (TORCH_INDEX=$TORCH_INDEX)}"
    docker build ${build_args[@]+"${build_args[@]}"} -t "$TAG" . || fail "docker build failed"
fi

# 2. Start it detached, port 8000 published on loopback (a free host port unless PQA_DOCKER_PORT).
CID="$(docker run -d --name "$NAME" -p "127.0.0.1:${PQA_DOCKER_PORT:-}:8000" "$TAG")" \
    || fail "docker run failed"
HOSTPORT="$(docker port "$CID" 8000/tcp | head -n1)"
PORT="${HOSTPORT##*:}"
[[ "$PORT" =~ ^[0-9]+$ ]] || fail "cannot tell which host port 8000 is published on ('$HOSTPORT')"
BASE="http://127.0.0.1:$PORT"
say "container ${CID:0:12} serving on $BASE"

# 3. Wait for /healthz (503 while the models load, 200 when ready).
start=$SECONDS
last=-1
while :; do
    code="$(curl -s -o "$WORK/health.json" -w '%{http_code}' --max-time 5 "$BASE/healthz" || true)"
    [[ "$code" == 200 ]] && break
    waited=$((SECONDS - start))
    if [[ "$(docker inspect -f '{{.State.Running}}' "$CID" 2>/dev/null)" != true ]]; then
        fail "the container stopped before /healthz answered 200"
    fi
    ((waited >= TIMEOUT)) && fail "/healthz did not answer 200 within ${TIMEOUT}s (last: HTTP $code $(cat "$WORK/health.json" 2>/dev/null))"
    if ((waited / 15 != last)); then
        last=$((waited / 15))
        say "waiting for /healthz: HTTP ${code} $(head -c 200 "$WORK/health.json" 2>/dev/null) (${waited}s of ${TIMEOUT}s)"
    fi
    sleep 2
done
say "healthy after $((SECONDS - start))s: $(cat "$WORK/health.json")"

# 4. The server runs as a non-root user: the default user of `docker exec` and the server itself.
uid="$(docker exec "$CID" id -u)" || fail "docker exec id -u failed"
[[ "$uid" =~ ^[0-9]+$ ]] || fail "id -u printed '$uid'"
((uid != 0)) || fail "the container runs as root (uid 0)"
server_uid="$(docker exec "$CID" python -c "import os; print(os.stat('/proc/1').st_uid)")" \
    || fail "cannot read the server's uid"
((server_uid != 0)) || fail "the server process (pid 1) runs as root"
say "runs as uid $uid (server pid 1: uid $server_uid)"

# 5. One real question; the answer must quote the corpus and cite it.
printf '{"question": "%s"}' "$QUESTION" > "$WORK/question.json"
say "asking: $QUESTION"
code="$(curl -s -o "$WORK/answer.json" -w '%{http_code}' --max-time 300 \
    -H 'Content-Type: application/json' --data-binary "@$WORK/question.json" \
    "$BASE/v1/answer" || true)"
[[ "$code" == 200 ]] || fail "POST /v1/answer answered HTTP $code: $(head -c 500 "$WORK/answer.json" 2>/dev/null)"
# The check runs in the image's Python, so the host needs none.
CHECK="$(cat <<'EOF'
import json, sys

expect = sys.argv[1]
try:
    body = json.load(sys.stdin)
except ValueError as exc:
    sys.exit(f"the response is not JSON: {exc}")
answer = str(body.get("answer") or "").strip()
citations = body.get("citations") or []
print(f"answer ({body.get('generator')}): {answer}")
for c in citations:
    print(f"  [{c.get('n')}] {c.get('doc_id')} {c.get('clause')}")
problems = []
if not answer:
    problems.append("the answer is empty")
if body.get("refused"):
    problems.append("the assistant refused to answer")
if not citations:
    problems.append("the answer has no citations")
if expect not in answer and not any(expect in str(c.get("text", "")) for c in citations):
    problems.append(f"neither the answer nor its citations contain {expect!r}")
if problems:
    sys.exit("; ".join(problems))
EOF
)"
docker exec -i "$CID" python -c "$CHECK" "$EXPECT" < "$WORK/answer.json" >&2 \
    || fail "the answer does not pass (see above)"

say "PASS: $TAG built, became healthy, answered with citations, runs as uid $uid"
