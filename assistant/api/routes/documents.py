"""The document library: list, upload, delete, and a document's clause tree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import APIRouter, File, Path, Response, UploadFile, status

from assistant.api.deps import LibraryDep, SettingsDep
from assistant.api.errors import APIError
from assistant.api.schemas import ClauseOut, ClausesOut, DocumentOut
from ingest.loaders import SUPPORTED
from ingest.types import IngestError

router = APIRouter(prefix="/documents", tags=["documents"])
T = TypeVar("T")
DocId = Annotated[str, Path(min_length=1, max_length=200, description="The document's file name.")]


async def _doc_call(fn: Callable[..., T], *args: object) -> T:
    """Run a library call in a thread; a malformed doc_id (``../x``) is a 400, not a lookup."""
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except IngestError as exc:
        raise APIError(400, str(exc), code="invalid_doc_id") from exc


@router.get("", response_model=list[DocumentOut], summary="List the indexed documents")
async def list_documents(library: LibraryDep) -> list[DocumentOut]:
    docs = await anyio.to_thread.run_sync(library.documents)
    return [DocumentOut.of(d) for d in sorted(docs, key=lambda d: d.doc_id)]


@router.post("", response_model=DocumentOut, status_code=status.HTTP_201_CREATED,
             summary="Upload a policy document (.txt .md .html .pdf .docx)")
async def upload_document(library: LibraryDep, settings: SettingsDep,
                          file: Annotated[UploadFile, File(description="The document.")]) -> DocumentOut:
    name = PurePath((file.filename or "").replace("\\", "/")).name
    if not name:
        raise APIError(400, "the upload has no file name", code="invalid_upload")
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise APIError(415, f"unsupported file type {suffix or '(none)'!r}; "
                            f"supported: {', '.join(sorted(SUPPORTED))}")
    max_bytes = settings.max_upload_mb * 1024 * 1024
    data = await file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise APIError(413, f"file too large (limit {settings.max_upload_mb} MB)")
    if not data.strip():
        raise APIError(400, "the file is empty", code="invalid_upload")
    # IngestError (unparsable, no text …) becomes a 400 through the app's handler.
    doc = await anyio.to_thread.run_sync(library.add, name, data)
    return DocumentOut.of(doc)


@router.get("/{doc_id}", response_model=DocumentOut, summary="One document's metadata")
async def get_document(doc_id: DocId, library: LibraryDep) -> DocumentOut:
    return DocumentOut.of(await _doc_call(library.get, doc_id))


@router.get("/{doc_id}/clauses", response_model=ClausesOut,
            summary="A document's clause tree, to show a citation in context")
async def document_clauses(doc_id: DocId, library: LibraryDep) -> ClausesOut:
    doc = await _doc_call(library.get, doc_id)
    clauses = await _doc_call(library.clauses, doc_id)
    return ClausesOut(doc_id=doc.doc_id, title=doc.title, clauses=[ClauseOut.of(c) for c in clauses])


@router.delete("/{doc_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Remove a document from the index and the corpus folder")
async def delete_document(doc_id: DocId, library: LibraryDep) -> Response:
    await _doc_call(library.delete, doc_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
