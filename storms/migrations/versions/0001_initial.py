"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 16:17:53.704747
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "datasets",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("cadence_s", sa.Float(), nullable=True),
        sa.Column("start_us", sa.BigInteger(), nullable=True),
        sa.Column("stop_us", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("modified_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
    )
    op.create_table(
        "source_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ingested_us", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_files")),
    )
    with op.batch_alter_table("source_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_files_sha256"), ["sha256"], unique=False)

    op.create_table(
        "source_status",
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("last_attempt_us", sa.BigInteger(), nullable=False),
        sa.Column("last_success_us", sa.BigInteger(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_source_status")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("peak_us", sa.BigInteger(), nullable=True),
        sa.Column("end_us", sa.BigInteger(), nullable=True),
        sa.Column("location", sa.String(length=60), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["source_files.id"],
            name=op.f("fk_events_source_file_id_source_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_events_source")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_kind_start", ["kind", "start_us"], unique=False)

    op.create_table(
        "parameters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("units", sa.String(length=60), nullable=True),
        sa.Column("fill", sa.Float(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_parameters_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parameters")),
        sa.UniqueConstraint("dataset_id", "name", name=op.f("uq_parameters_dataset_id")),
    )
    op.create_table(
        "record_blocks",
        sa.Column("dataset_id", sa.String(length=100), nullable=False),
        sa.Column("block_us", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("first_us", sa.BigInteger(), nullable=False),
        sa.Column("last_us", sa.BigInteger(), nullable=False),
        sa.Column("times", sa.LargeBinary(), nullable=False),
        sa.Column("vals", sa.LargeBinary(), nullable=False),
        sa.Column("source_ids", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_record_blocks_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "block_us", name=op.f("pk_record_blocks")),
    )
    op.create_table(
        "solar_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observatory", sa.String(length=60), nullable=True),
        sa.Column("instrument", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("wavelength_nm", sa.Float(), nullable=True),
        sa.Column("obs_us", sa.BigInteger(), nullable=False),
        sa.Column("exposure_s", sa.Float(), nullable=True),
        sa.Column("units", sa.String(length=40), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=False),
        sa.Column("preview_path", sa.Text(), nullable=True),
        sa.Column("header", sa.JSON(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_file_id"],
            ["source_files.id"],
            name=op.f("fk_solar_images_source_file_id_source_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_solar_images")),
        sa.UniqueConstraint(
            "instrument", "channel", "obs_us", name=op.f("uq_solar_images_instrument")
        ),
    )
    with op.batch_alter_table("solar_images", schema=None) as batch_op:
        batch_op.create_index("ix_solar_images_obs", ["obs_us"], unique=False)

    op.create_table(
        "cme_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("time21_5_us", sa.BigInteger(), nullable=True),
        sa.Column("speed_kms", sa.Float(), nullable=True),
        sa.Column("longitude_deg", sa.Float(), nullable=True),
        sa.Column("latitude_deg", sa.Float(), nullable=True),
        sa.Column("half_width_deg", sa.Float(), nullable=True),
        sa.Column("most_accurate", sa.Boolean(), nullable=False),
        sa.Column("catalog", sa.String(length=40), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_cme_analyses_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cme_analyses")),
    )
    with op.batch_alter_table("cme_analyses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cme_analyses_event_id"), ["event_id"], unique=False)

    op.create_table(
        "event_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("linked_source_id", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_links_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_links")),
        sa.UniqueConstraint("event_id", "linked_source_id", name=op.f("uq_event_links_event_id")),
    )
    with op.batch_alter_table("event_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_links_linked_source_id"), ["linked_source_id"], unique=False
        )




def downgrade() -> None:

    with op.batch_alter_table("event_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_links_linked_source_id"))

    op.drop_table("event_links")
    with op.batch_alter_table("cme_analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cme_analyses_event_id"))

    op.drop_table("cme_analyses")
    with op.batch_alter_table("solar_images", schema=None) as batch_op:
        batch_op.drop_index("ix_solar_images_obs")

    op.drop_table("solar_images")
    op.drop_table("record_blocks")
    op.drop_table("parameters")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_kind_start")

    op.drop_table("events")
    op.drop_table("source_status")
    with op.batch_alter_table("source_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_files_sha256"))

    op.drop_table("source_files")
    op.drop_table("datasets")

