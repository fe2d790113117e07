"""Settings, engine and session factory for one process, built once on demand."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from storms import config
from storms.database import make_engine, session_factory


@dataclass(frozen=True)
class Context:
    settings: config.Settings
    engine: Engine
    factory: sessionmaker[Session]


def build(settings: config.Settings | None = None) -> Context:
    settings = settings or config.load()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    config.prepare_offline_science_stack(settings.data_dir)
    engine = make_engine(settings.database_url)
    return Context(settings, engine, session_factory(engine))


@lru_cache(maxsize=1)
def default() -> Context:
    """The process-wide context from the environment (CLI use)."""
    return build()
