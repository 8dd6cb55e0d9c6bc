"""Background jobs: uploads are indexed one at a time by a worker thread, in order.

Indexing a long document takes minutes on two cores (the encoder is the cost), so an
upload is a job: the request hands it over and waits a little; if it is not done by then
the client gets the job to poll. Jobs queue rather than fail while the worker is busy, up
to a bound; answers never wait for them. Finished jobs are kept (the newest ``keep``) so
their outcome can still be read.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]
Report = Callable[[float, str], None]  # (fraction done 0–1, what is happening)


class JobQueueFullError(RuntimeError):
    """Too many jobs are waiting; try again later."""

    def __init__(self, waiting: int) -> None:
        super().__init__(f"{waiting} uploads are already waiting to be indexed; try again later")
        self.retry_after = 30


@dataclass
class Job:
    """One unit of background work and what became of it."""

    id: str
    name: str
    state: JobState = "queued"
    progress: float = 0.0
    stage: str = "queued"
    error: BaseException | None = None
    result: Any = None
    created: float = field(default_factory=time.time)
    finished: float | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job has finished (done or failed)."""
        return self._done.wait(timeout)

    @property
    def finished_ok(self) -> bool:
        return self.state == "done"


class JobRunner:
    """A single worker thread over a bounded queue; started on the first submit."""

    def __init__(self, *, max_waiting: int = 8, keep: int = 200, name: str = "policyqa-jobs") -> None:
        self._queue: queue.Queue[tuple[Job, Callable[[Report], Any]]] = queue.Queue(max_waiting)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._name = name

    def submit(self, name: str, work: Callable[[Report], Any]) -> Job:
        """Queue ``work(report)``; raises JobQueueFullError when the queue is full."""
        job = Job(id=uuid.uuid4().hex, name=name)
        with self._lock:
            try:
                self._queue.put_nowait((job, work))
            except queue.Full:
                raise JobQueueFullError(self._queue.qsize()) from None
            self._jobs[job.id] = job
            self._forget_old()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Known jobs, newest first."""
        with self._lock:
            return list(reversed(self._jobs.values()))

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.finished is not None]
        for job in finished[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[job.id]

    def _run(self) -> None:
        while True:
            job, work = self._queue.get()
            job.state, job.stage = "running", "started"

            def report(fraction: float, stage: str, job: Job = job) -> None:
                job.progress, job.stage = max(job.progress, min(1.0, fraction)), stage

            try:
                job.result = work(report)
                job.state, job.progress, job.stage = "done", 1.0, "done"
            except Exception as exc:  # the job records why; the worker goes on
                log.info("job %s (%s) failed: %s", job.id, job.name, exc)
                job.error, job.state, job.stage = exc, "failed", "failed"
            finally:
                job.finished = time.time()
                job._done.set()
                self._queue.task_done()
