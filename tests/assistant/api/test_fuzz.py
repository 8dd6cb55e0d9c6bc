"""Schemathesis against the live server's /openapi.json: generated valid and invalid
requests for every operation, bounded in count and time, and none may get a 5xx.

Driven through schemathesis' Python API rather than its pytest plugin, whose lazy
fixture loader does not work with pytest 9.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from tests.assistant.api.conftest import LiveServer

pytestmark = pytest.mark.slow
AUTH = {"Authorization": "Bearer sk-test"}
EXAMPLES = 25


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_server_errors(real_server: LiveServer, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{real_server.url}/openapi.json", headers=AUTH, timeout=30)
    schema.config.generation.update(with_security_parameters=False)  # keep the valid key
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            response = case.call(base_url=real_server.url, headers=AUTH, timeout=60)
            statuses[response.status_code] += 1
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}")

        try:
            check()
        except Unsatisfiable:  # no invalid input exists for an operation without parameters
            assert mode is GenerationMode.NEGATIVE
    assert sum(statuses.values()) >= len(operations)
    assert statuses[401] == 0 and any(400 <= s < 500 for s in statuses)


def gradio_cases(url: str) -> list[tuple[str, str, dict[str, object]]]:
    """Hostile requests to the page's Gradio routes: (method, path, httpx keyword arguments)."""
    join = f"{url}/gradio_api/queue/join"
    file_data = {"path": "/etc/passwd", "orig_name": "passwd.txt", "meta": {"_type": "gradio.FileData"}}
    return [
        ("POST", join, {"content": b"{not json"}),
        ("POST", join, {"json": []}),
        ("POST", join, {"json": {"fn_index": 10_000, "session_hash": "a", "data": []}}),
        ("POST", join, {"json": {"fn_index": -1, "session_hash": "a", "data": [None]}}),
        ("POST", join, {"content": b'{"fn_index": 0, "session_hash": "\\ud800", "data": [[]]}'}),
        ("POST", join, {"json": {"fn_index": 0, "session_hash": "c", "data": [[file_data]]}}),
        ("POST", join, {"json": {"fn_index": "x", "session_hash": 5, "data": "y"}}),
        ("POST", join, {"json": {"fn_index": 0, "session_hash": "b", "data": [{"a": "b" * 100_000}]}}),
        ("GET", f"{url}/gradio_api/queue/data", {"params": {"session_hash": "nobody"}}),
        ("POST", f"{url}/gradio_api/upload", {"files": {"files": ("../../etc/x.txt", b"x")}}),
        ("POST", f"{url}/gradio_api/upload", {"files": {"files": ("\x00.txt", b"x")}}),
        ("POST", f"{url}/gradio_api/upload", {"files": {"files": ("长" * 200 + ".txt", b"x")}}),
        ("POST", f"{url}/gradio_api/upload", {"content": b"--x\r\nbroken", "headers": {
            "Content-Type": "multipart/form-data; boundary=x"}}),
        ("GET", f"{url}/gradio_api/file=/etc/passwd", {}),
        ("GET", f"{url}/gradio_api/file=../../../../etc/passwd", {}),
        ("GET", f"{url}/gradio_api/file=%2e%2e/%2e%2e/etc/passwd", {}),
        ("GET", f"{url}/config?x=" + "a" * 5000, {}),
        ("GET", f"{url}/gradio_api/info", {}),
        ("POST", f"{url}/gradio_api/run/predict", {"json": {"data": ["x"]}}),
        ("POST", f"{url}/login", {"content": b"key=" + b"a" * 10_000}),
        ("POST", f"{url}/login", {"content": b"\xff\xfe", "headers": {"Content-Type": "text/plain"}}),
    ]


def test_gradio_routes_never_answer_5xx(real_server: LiveServer) -> None:
    import httpx

    login = httpx.post(f"{real_server.url}/login", data={"key": "sk-test"})
    for cookies in (None, login.cookies):
        for method, url, kwargs in gradio_cases(real_server.url):
            r = httpx.request(method, url, cookies=cookies, timeout=30, **kwargs)  # type: ignore[arg-type]
            assert r.status_code < 500, f"{method} {url[:80]}: {r.status_code} {r.text[:200]}"
            assert "root:x:0:0" not in r.text, f"{url[:80]} served /etc/passwd"
