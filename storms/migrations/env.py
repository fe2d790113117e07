"""Alembic environment: uses the engine handed over by storms.database."""

from alembic import context

from storms.config import load
from storms.database import make_engine
from storms.models import Base

config = context.config
target_metadata = Base.metadata
#: tables that belong to a library, not to the models (APScheduler's job store)
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate leaves the library tables alone."""
    table = getattr(obj, "table", None)
    return name not in FOREIGN_TABLES and getattr(table, "name", None) not in FOREIGN_TABLES


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(load().database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
