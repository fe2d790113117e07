"""persistent job store; kept copies of source files and their retention

``apscheduler_jobs`` is APScheduler's SQLAlchemyJobStore table (same columns and index as
the store would create), so that next-run times survive restarts and take-overs.
``source_files.kept_path`` / ``purged_us``: the raw or quarantined copy of a file and when
the retention job deleted it (the provenance row stays).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a scheduler started before this migration may have created it already (the store
    # creates its table when missing): keep that one
    if "apscheduler_jobs" not in sa.inspect(op.get_bind()).get_table_names():
        _create_job_store()
    with op.batch_alter_table("source_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kept_path", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("purged_us", sa.BigInteger(), nullable=True))


def _create_job_store() -> None:
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs",
                    ["next_run_time"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("source_files", schema=None) as batch_op:
        batch_op.drop_column("purged_us")
        batch_op.drop_column("kept_path")
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
