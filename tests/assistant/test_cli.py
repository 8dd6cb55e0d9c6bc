"""``python -m assistant ask`` on the real index (the session's), and ``serve``'s wiring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.__main__ import app
from assistant.settings import Settings

runner = CliRunner()
Q = "东湖高新区2025年高新技术企业数量目标是多少？"


@pytest.fixture
def env(indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PQA_CORPUS_DIR", str(indexed_settings.corpus_dir))
    monkeypatch.setenv("PQA_DATA_DIR", str(indexed_settings.data_dir))
    monkeypatch.setenv("PQA_MODELS_DIR", str(indexed_settings.models_dir))
    monkeypatch.setenv("PQA_GENERATOR", "extractive")
    return indexed_settings


def test_ask_json_prints_the_api_response(env: Settings) -> None:
    result = runner.invoke(app, ["ask", Q, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert "10000" in body["answer"] and body["generator"] == "extractive"
    assert body["citations"][0]["doc_id"] == "002_fdf6c96830e6b8c3.txt"
    assert set(body["citations"][0]) == {"n", "doc_id", "title", "clause", "text", "score"}


def test_ask_prints_a_readable_source_list(env: Settings, tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": Q}, {"role": "assistant", "content": "10000家"}],
                                  ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["ask", "那上市企业呢？", "--history", str(history), "-g", "extractive"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "100家" in out and "\n来源 / Sources:\n[1] 《" in out and "(extractive," in out


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "expected a JSON list of {role, content} objects"),
    ('[{"role": "robot", "content": "x"}]', "expected a JSON list of {role, content} objects"),
])
def test_bad_history_file(env: Settings, tmp_path: Path, content: str, message: str) -> None:
    history = tmp_path / "h.json"
    history.write_text(content)
    result = runner.invoke(app, ["ask", Q, "--history", str(history)])
    assert result.exit_code == 2 and message in result.stderr
    result = runner.invoke(app, ["ask", Q, "--history", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "cannot read history file" in result.stderr


def test_ask_with_an_unbuilt_llm_fails_clearly(env: Settings, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("PQA_LLM_MODEL_PATH", str(tmp_path / "missing.gguf"))
    result = runner.invoke(app, ["ask", Q, "-g", "llamacpp"])
    assert result.exit_code == 1 and "local LLM not built" in result.stderr


def test_serve_starts_uvicorn_with_the_server_app(env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.update(app=application, **kw))
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    server_app = seen["app"]
    assert {"/healthz", "/v1/answer"} <= set(server_app.openapi()["paths"])  # type: ignore[attr-defined]


def test_generator_line(env: Settings, tmp_path: Path) -> None:
    from assistant.server import choose_generator

    assert choose_generator(env)[2] == "extractive (PQA_GENERATOR=extractive)"
    auto = env.model_copy(update={"generator": None, "llm_model_path": tmp_path / "none.gguf"})
    llms, default, line = choose_generator(auto)
    assert (llms, default) == ({}, "extractive")
    assert line.startswith("extractive, because local LLM not built:")
