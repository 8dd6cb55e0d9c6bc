"""Data flows one way: ingest → vectorstore → assistant → evals. Nothing imports back up.

Entry points (``__main__.py``) wire the real parts together and are exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["ingest", "vectorstore", "assistant", "evals"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", ORDER)
def test_no_upstream_package_imports_a_downstream_one(package: str) -> None:
    downstream = set(ORDER[ORDER.index(package) + 1 :])
    for path in (ROOT / package).rglob("*.py"):
        if path.name == "__main__.py":
            continue
        bad = _imports(path) & downstream
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_ingest_cli_hands_documents_to_the_store_without_the_assistant() -> None:
    """Indexing lives beside the store, so ``python -m ingest`` never imports the assistant."""
    bad = _imports(ROOT / "ingest" / "__main__.py") & {"assistant", "evals"}
    assert not bad, f"ingest/__main__.py imports {sorted(bad)}"
