"""record blocks compressed with lz4 on PostgreSQL

PostgreSQL compresses the day blocks (bytea over 2 kB) with pglz by default; lz4 keeps
most of the saving and decompresses three times faster, which is most of the time of a
long HAPI or plot read. Servers built without lz4 keep pglz. Existing blocks keep their
compression until rewritten. Nothing changes on SQLite.

Revision ID: 0010
Revises: 0005
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None
log = logging.getLogger("alembic.runtime.migration")


def _set(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            for column in ("times", "vals", "source_ids"):
                bind.execute(sa.text(f"ALTER TABLE record_blocks ALTER COLUMN {column} "
                                     f"SET COMPRESSION {method}"))
    except sa.exc.DBAPIError as exc:  # server built without lz4
        log.warning("record_blocks keep their compression: %s", exc.orig)


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("pglz")
