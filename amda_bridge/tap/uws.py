"""UWS 1.1 jobs for ``/tap/async``: an in-memory store, one worker thread per job.

Jobs live in this process only (a restart forgets them); results are kept until the
job's destruction time. At most :data:`MAX_JOBS` jobs exist at once and
:data:`MAX_RUNNING` run at the same time (others wait in QUEUED).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from amda_bridge.tap.votable import attr, clean

MAX_JOBS = 500
MAX_RUNNING = 2
UWS_NS = ('xmlns:uws="http://www.ivoa.net/xml/UWS/v1.0" '
          'xmlns:xlink="http://www.w3.org/1999/xlink" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')
ACTIVE = ("QUEUED", "EXECUTING")
FINAL = ("COMPLETED", "ERROR", "ABORTED")

Work = Callable[[dict[str, str]], tuple[bytes, str]]


class UwsError(Exception):
    """A request the job cannot honour (``status`` is the HTTP status to answer)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: str) -> float:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UwsError(f"not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


@dataclass
class Job:
    job_id: str
    parameters: dict[str, str]
    created: float
    destruction: float
    execution_duration: int
    phase: str = "PENDING"
    started: float | None = None
    ended: float | None = None
    result: bytes | None = None
    result_type: str = ""
    error: str | None = None
    run_id: str | None = None
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)


class JobStore:
    """The jobs of one service, and the threads that run them."""

    def __init__(self, work: Work, retention_s: int, execution_s: int):
        self.work = work
        self.retention_s = retention_s
        self.execution_s = execution_s
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(MAX_RUNNING)

    def purge(self) -> None:
        now = time.time()
        with self.lock:
            for key in [k for k, j in self.jobs.items() if j.destruction < now]:
                self._abort(self.jobs.pop(key))

    def create(self, params: Mapping[str, str]) -> Job:
        self.purge()
        now = time.time()
        job = Job(secrets.token_urlsafe(12), {}, now, now + self.retention_s, self.execution_s)
        self.set_parameters(job, params, creating=True)
        with self.lock:
            if len(self.jobs) >= MAX_JOBS:
                raise UwsError("too many jobs; delete some or retry later", 503)
            self.jobs[job.job_id] = job
        if params.get("phase", "").upper() == "RUN":
            self.run(job)
        return job

    def get(self, job_id: str) -> Job:
        self.purge()
        with self.lock:
            job = self.jobs.get(job_id)
        if job is None:
            raise UwsError(f"no job {job_id}", 404)
        return job

    def delete(self, job_id: str) -> None:
        job = self.get(job_id)
        with self.lock:
            self.jobs.pop(job_id, None)
        self._abort(job)

    def set_parameters(self, job: Job, params: Mapping[str, str], creating: bool = False) -> None:
        if not creating and job.phase != "PENDING":
            raise UwsError("parameters can only change while the job is PENDING", 409)
        for key, value in params.items():
            if key == "phase":
                continue
            if key == "runid":
                job.run_id = value
            elif key == "executionduration":
                self.set_duration(job, value)
            elif key == "destruction":
                job.destruction = parse_iso(value)
            else:
                job.parameters[key] = value

    def set_duration(self, job: Job, value: str) -> None:
        try:
            seconds = int(float(value))
        except ValueError:
            raise UwsError(f"bad EXECUTIONDURATION {value!r}") from None
        job.execution_duration = self.execution_s if seconds <= 0 else min(seconds,
                                                                            self.execution_s)

    def run(self, job: Job) -> None:
        with job.changed:
            if job.phase not in ("PENDING", "HELD"):
                return
            job.phase = "QUEUED"
            job.changed.notify_all()
        threading.Thread(target=self._execute, args=(job,), daemon=True,
                         name=f"uws-{job.job_id}").start()

    def abort(self, job: Job) -> None:
        self._abort(job)

    def _abort(self, job: Job) -> None:
        with job.changed:
            if job.phase not in FINAL:
                job.phase = "ABORTED"
                job.ended = time.time()
                job.changed.notify_all()

    def _execute(self, job: Job) -> None:
        with self.slots:
            with job.changed:
                if job.phase != "QUEUED":
                    return
                job.phase, job.started = "EXECUTING", time.time()
                job.changed.notify_all()
            params = {**job.parameters, "_timeout": str(job.execution_duration)}
            try:
                body, content_type = self.work(params)
                outcome = ("COMPLETED", body, content_type, None)
            except Exception as exc:  # the message is the job's error summary
                outcome = ("ERROR", None, "", str(exc) or type(exc).__name__)
            with job.changed:
                if job.phase == "EXECUTING":
                    job.phase, job.result, job.result_type, job.error = outcome
                    job.ended = time.time()
                job.changed.notify_all()

    def wait(self, job: Job, seconds: float, phase: str | None) -> None:
        """UWS 1.1 blocking: wait while the job is active (and in ``phase``, if given)."""
        deadline = time.time() + max(0.0, seconds)
        with job.changed:
            while job.phase in ("PENDING", *ACTIVE) and (phase is None or job.phase == phase):
                if job.phase == "PENDING" and phase is None:
                    return
                left = deadline - time.time()
                if left <= 0:
                    return
                job.changed.wait(left)


def _el(tag: str, value: object | None) -> str:
    if value is None:
        return f'<uws:{tag} xsi:nil="true"/>'
    return f"<uws:{tag}>{clean(str(value))}</uws:{tag}>"


def job_xml(job: Job, job_url: str) -> str:
    params = "".join(f"<uws:parameter id={attr(k)}>{clean(v)}</uws:parameter>"
                     for k, v in job.parameters.items())
    results = (f'<uws:result id="result" xlink:href={attr(job_url + "/results/result")}/>'
               if job.phase == "COMPLETED" else "")
    error = (f'<uws:errorSummary type="fatal" hasDetail="true"><uws:message>{clean(job.error)}'
             "</uws:message></uws:errorSummary>" if job.phase == "ERROR" else "")
    run_id = _el("runId", job.run_id) if job.run_id else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<uws:job {UWS_NS} version="1.1">' + _el("jobId", job.job_id) + run_id
            + _el("ownerId", None) + _el("phase", job.phase) + _el("quote", None)
            + _el("creationTime", iso(job.created)) + _el("startTime", iso(job.started))
            + _el("endTime", iso(job.ended))
            + _el("executionDuration", job.execution_duration)
            + _el("destruction", iso(job.destruction))
            + f"<uws:parameters>{params}</uws:parameters><uws:results>{results}</uws:results>"
            + error + "</uws:job>\n")


def results_xml(job: Job, job_url: str) -> str:
    results = (f'<uws:result id="result" xlink:href={attr(job_url + "/results/result")}/>'
               if job.phase == "COMPLETED" else "")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<uws:results {UWS_NS}>{results}'
            "</uws:results>\n")


def parameters_xml(job: Job) -> str:
    params = "".join(f"<uws:parameter id={attr(k)}>{clean(v)}</uws:parameter>"
                     for k, v in job.parameters.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<uws:parameters {UWS_NS}>{params}'
            "</uws:parameters>\n")


def jobs_xml(jobs: list[Job], base_url: str) -> str:
    refs = "".join(
        f'<uws:jobref id={attr(j.job_id)} xlink:href={attr(base_url + "/" + j.job_id)}>'
        + _el("phase", j.phase) + _el("creationTime", iso(j.created)) + "</uws:jobref>"
        for j in jobs)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<uws:jobs {UWS_NS} version="1.1">'
            f"{refs}</uws:jobs>\n")
