"""indexes led by a filtered column, then in list order

The first page of a list filtered on instantiationState, operationState or operation
reads these in (created_at, id) order and stops after a page, instead of sorting
every matching row; each replaces the single-column index it starts with.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: (table, old single-column index, new index, its columns)
CHANGES = (
    (
        "vnf_instances",
        "ix_vnf_instances_instantiation_state",
        "ix_vnf_instances_state_created",
        "instantiation_state",
    ),
    (
        "vnf_lcm_op_occs",
        "ix_vnf_lcm_op_occs_operation_state",
        "ix_vnf_lcm_op_occs_state_created",
        "operation_state",
    ),
    (
        "vnf_lcm_op_occs",
        "ix_vnf_lcm_op_occs_operation",
        "ix_vnf_lcm_op_occs_operation_created",
        "operation",
    ),
)


def upgrade() -> None:
    for table, old, new, column in CHANGES:
        op.create_index(new, table, [column, "created_at", "id"])
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for table, old, new, column in CHANGES:
        op.create_index(old, table, [column])
        op.drop_index(new, table_name=table)
