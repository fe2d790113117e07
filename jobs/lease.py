"""A lease in the database, so that exactly one scheduler runs the jobs at a time, however
many web workers or ``storms jobs run`` processes share the database."""

from __future__ import annotations

import os
import socket
import uuid

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storms import models as m
from storms.timeutil import now_us

LEASE_NAME = "scheduler"


def worker_id() -> str:
    """A name for this process: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def try_acquire(factory: sessionmaker[Session], holder: str, ttl_s: float,
                name: str = LEASE_NAME) -> bool:
    """Take or renew the lease for ``ttl_s`` seconds; False while another holder has it."""
    now = now_us()
    expires = now + int(ttl_s * 1e6)
    with factory() as session, session.begin():
        result = session.execute(
            update(m.SchedulerLease)
            .where(m.SchedulerLease.name == name,
                   or_(m.SchedulerLease.holder == holder, m.SchedulerLease.expires_us < now))
            .values(holder=holder, expires_us=expires))
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
        if session.get(m.SchedulerLease, name) is not None:
            return False
    try:
        with factory() as session, session.begin():
            session.add(m.SchedulerLease(name=name, holder=holder, expires_us=expires))
        return True
    except IntegrityError:  # another process created it first
        return False


def release(factory: sessionmaker[Session], holder: str, name: str = LEASE_NAME) -> None:
    with factory() as session, session.begin():
        session.execute(update(m.SchedulerLease)
                        .where(m.SchedulerLease.name == name, m.SchedulerLease.holder == holder)
                        .values(expires_us=0))


def holder_of(factory: sessionmaker[Session], name: str = LEASE_NAME) -> str | None:
    with factory() as session:
        row = session.get(m.SchedulerLease, name)
        return row.holder if row is not None and row.expires_us > now_us() else None
