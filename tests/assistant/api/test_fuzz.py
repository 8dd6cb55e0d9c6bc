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
