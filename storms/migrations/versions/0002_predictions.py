"""predictions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:25:48.203603
"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("event_key", sa.String(length=160), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("issued_us", sa.BigInteger(), nullable=False),
        sa.Column("departure_us", sa.BigInteger(), nullable=False),
        sa.Column("hit", sa.Boolean(), nullable=False),
        sa.Column("hit_probability", sa.Float(), nullable=True),
        sa.Column("arrival_us", sa.BigInteger(), nullable=True),
        sa.Column("arrival_p05_us", sa.BigInteger(), nullable=True),
        sa.Column("arrival_p95_us", sa.BigInteger(), nullable=True),
        sa.Column("arrival_speed_kms", sa.Float(), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_predictions_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictions")),
        sa.UniqueConstraint("model", "event_key", "target", name=op.f("uq_predictions_model")),
    )
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_predictions_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_predictions_target_arrival", ["target", "arrival_us"], unique=False
        )




def downgrade() -> None:

    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.drop_index("ix_predictions_target_arrival")
        batch_op.drop_index(batch_op.f("ix_predictions_event_id"))

    op.drop_table("predictions")

