"""The ingest command line: the --dump review file (indexing itself is tested in tests/vectorstore)."""

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ingest.__main__ import app

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


def test_dump_writes_every_chunk_with_its_clause(tmp_path: Path) -> None:
    out = tmp_path / "chunks.jsonl"
    result = CliRunner().invoke(app, [str(CORPUS / "002_fdf6c96830e6b8c3.txt"), "--dump", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["doc_id"] for r in rows} == {"002_fdf6c96830e6b8c3.txt"}
    assert any(r["clause_path"].startswith("一、工作目标") for r in rows)


def test_dump_refuses_to_overwrite_a_source_document(tmp_path: Path) -> None:
    src = tmp_path / "plan.txt"
    shutil.copy(CORPUS / "002_fdf6c96830e6b8c3.txt", src)
    before = src.read_bytes()
    result = CliRunner().invoke(app, ["--dump", str(src)], env={"PQA_CORPUS_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert "documents to read" in result.output
    assert src.read_bytes() == before
