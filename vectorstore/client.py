"""Connecting to Chroma, and turning its failures into one-line errors a user can act on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import chromadb
from chromadb.config import Settings
from chromadb.errors import ChromaError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

# Chroma's own rule for collection names; checked up front so the message is ours.
_COLLECTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$")


class StoreError(Exception):
    """Anything wrong with the index that a user can fix; the message is one clear line."""


class StoreUnavailableError(StoreError):
    """The Chroma server cannot be reached."""


class IndexMismatchError(StoreError):
    """The index was built with another embedding model, dimension or chunker version."""


def _settings() -> Settings:
    # Telemetry off: the assistant runs offline and must not phone home.
    return Settings(anonymized_telemetry=False, allow_reset=False)


def parse_url(url: str) -> tuple[str, int, bool]:
    """``http://host:port`` → (host, port, ssl); a bare ``host:port`` means http."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"invalid Chroma URL {url!r}: expected http://host:port")
    try:
        port = parts.port
    except ValueError:
        raise StoreError(f"invalid Chroma URL {url!r}: bad port") from None
    ssl = parts.scheme == "https"
    return parts.hostname, port or (443 if ssl else 8000), ssl


def connect(*, persist_dir: Path | None, url: str | None) -> ClientAPI:
    """A Chroma client: a server when ``url`` is given, else an on-disk database."""
    if url:
        host, port, ssl = parse_url(url)
        try:
            return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_settings())
        except Exception as e:  # chromadb raises a bare ValueError when nobody answers
            raise StoreUnavailableError(f"cannot reach Chroma at {url}: {_one_line(e)}") from e
    if persist_dir is None:
        raise ValueError("open_index needs either persist_dir or url")
    try:
        persist_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(persist_dir), settings=_settings())
    except Exception as e:
        raise StoreError(f"cannot open Chroma database at {persist_dir}: {_one_line(e)}") from e


def check_collection_name(name: str) -> None:
    """Fail early, in our words, on a name Chroma would reject."""
    if not _COLLECTION_NAME.match(name) or ".." in name:
        raise StoreError(
            f"invalid collection name {name!r}: use 3-500 letters, digits, '.', '_' or '-',"
            " starting and ending with a letter or digit"
        )


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:300]


@contextmanager
def chroma_errors(location: str) -> Iterator[None]:
    """Chroma and network failures inside the block become ``StoreError`` with one line.

    ``location`` (the URL or path) goes into the message so the user knows what failed.
    """
    try:
        yield
    except StoreError:
        raise
    except ChromaError as e:
        raise StoreError(f"Chroma error at {location}: {_one_line(e)}") from e
    except Exception as e:
        if isinstance(e, ConnectionError | TimeoutError) or _is_network_error(e):
            raise StoreUnavailableError(f"cannot reach Chroma at {location}: {_one_line(e)}") from e
        raise


def _is_network_error(e: BaseException) -> bool:
    # httpx is only imported by the HTTP client; match by module to avoid importing it here.
    return type(e).__module__.startswith(("httpx", "httpcore"))
