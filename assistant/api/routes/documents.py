"""The document library: list, upload, delete, and a document's clause tree.

An upload is indexed by a background job. The request waits up to
``PQA_UPLOAD_WAIT_SECONDS`` for it: 201 with the document when it finished by then, else
202 with the job to poll at ``/v1/jobs/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from assistant.api.deps import LibraryDep, SettingsDep
from assistant.api.errors import APIError, ErrorBody
from assistant.api.schemas import ClauseOut, ClausesOut, DocumentOut, JobOut
from ingest.loaders import SUPPORTED
from ingest.types import IngestError

router = APIRouter(prefix="/documents", tags=["documents"])
T = TypeVar("T")
MAX_LISTED = 1000  # a page of the list: a large library is read in pages
DocId = Annotated[str, Path(min_length=1, max_length=200, description="The document's file name.")]


async def _doc_call(fn: Callable[..., T], *args: object) -> T:
    """Run a library call in a thread; a malformed doc_id (``../x``) is a 400, not a lookup."""
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except IngestError as exc:
        raise APIError(400, str(exc), code="invalid_doc_id") from exc


@router.get("", response_model=list[DocumentOut], summary="List the indexed documents, by doc_id")
async def list_documents(
    library: LibraryDep,
    offset: Annotated[int, Query(ge=0, description="Documents to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED, description="Documents to return.")] = MAX_LISTED,
) -> list[DocumentOut]:
    docs = await anyio.to_thread.run_sync(library.documents)
    return [DocumentOut.of(d) for d in docs[offset:offset + limit]]


@router.post("", response_model=DocumentOut, status_code=status.HTTP_201_CREATED,
             summary="Upload a policy document (.txt .md .html .pdf .docx)",
             responses={202: {"model": JobOut, "description": "Still indexing: poll the job."},
                        415: {"model": ErrorBody, "description": "Unsupported file type."}})
async def upload_document(library: LibraryDep, settings: SettingsDep,
                          file: Annotated[list[UploadFile], File(description="The document (one).")]
                          ) -> DocumentOut | JSONResponse:
    if len(file) != 1:
        raise APIError(400, f"send exactly one 'file' part per upload, not {len(file)}",
                       code="invalid_upload")
    upload = file[0]
    name = PurePath((upload.filename or "").replace("\\", "/")).name
    if not name:
        raise APIError(400, "the upload has no file name", code="invalid_upload")
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise APIError(415, f"unsupported file type {suffix or '(none)'!r}; "
                            f"supported: {', '.join(sorted(SUPPORTED))}")
    max_bytes = settings.max_upload_mb * 1024 * 1024
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise APIError(413, f"file too large (limit {settings.max_upload_mb} MB, PQA_MAX_UPLOAD_MB)")
    if not data.strip():
        raise APIError(400, "the file is empty", code="invalid_upload")
    # A bad name is a 400 now; a file that cannot be parsed fails its job (400/413/422).
    job = library.submit(name, data)
    if await anyio.to_thread.run_sync(job.wait, settings.upload_wait_seconds):
        if job.error is not None:
            raise job.error
        return DocumentOut.of(job.result)
    return JSONResponse(JobOut.of(job).model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/v1/jobs/{job.id}"})


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
