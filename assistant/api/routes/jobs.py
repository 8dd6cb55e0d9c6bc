"""Background indexing jobs: what an upload that answered 202 became."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from assistant.api.deps import LibraryDep
from assistant.api.errors import APIError
from assistant.api.schemas import JobOut

router = APIRouter(prefix="/jobs", tags=["documents"])
JobId = Annotated[str, Path(min_length=1, max_length=64, description="The id an upload returned.")]


@router.get("", response_model=list[JobOut], summary="Recent upload jobs, newest first")
async def list_jobs(library: LibraryDep) -> list[JobOut]:
    return [JobOut.of(j) for j in library.jobs.jobs()]


@router.get("/{job_id}", response_model=JobOut, summary="One upload job: state, progress, error")
async def get_job(job_id: JobId, library: LibraryDep) -> JobOut:
    job = library.jobs.get(job_id)
    if job is None:
        raise APIError(404, f"no job {job_id!r} (finished jobs are kept for a while, not forever)")
    return JobOut.of(job)
