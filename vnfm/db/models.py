"""SQLAlchemy models.

Attributes that NFVOs filter on and the engine looks up are columns of their own
(indexed where a query needs it); free-form SOL003 structures are JSON columns
(JSONB on PostgreSQL) that SOL013 filters reach into with SQL.  Timestamps are
fixed-width UTC ISO-8601 strings (``2026-01-02T03:04:05.000006Z``): they sort
the same as time on every database and are already what the API returns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Json = JSON().with_variant(JSONB(), "postgresql")

TIMESTAMP_LENGTH = 27


def utcnow() -> str:
    """Now, in the timestamp form stored and returned everywhere."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Base(DeclarativeBase):
    pass


class VnfInstanceRow(Base):
    __tablename__ = "vnf_instances"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vnf_instance_name: Mapped[str | None] = mapped_column(String(255), index=True)
    vnf_instance_description: Mapped[str | None] = mapped_column(Text)
    vnfd_id: Mapped[str] = mapped_column(String(255), index=True)
    vnf_provider: Mapped[str] = mapped_column(String(255))
    vnf_product_name: Mapped[str] = mapped_column(String(255))
    vnf_software_version: Mapped[str] = mapped_column(String(255))
    vnfd_version: Mapped[str] = mapped_column(String(255))
    instantiation_state: Mapped[str] = mapped_column(String(32))
    vnf_configurable_properties: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # Holds accessInfo secrets: stored for the southbound, never returned (see api/views.py).
    vim_connection_info: Mapped[dict[str, Any] | None] = mapped_column(Json)
    instantiated_vnf_info: Mapped[dict[str, Any] | None] = mapped_column(Json)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", Json)
    extensions: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # What the VNFM keeps about the instance for itself (ESC deployment, monitoring keys).
    internal: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH), default=utcnow)

    __table_args__ = (
        Index("ix_vnf_instances_created", "created_at", "id"),
        # Led by the filtered column and then in list order: the first page of a list
        # filtered on it reads its rows in order and stops, instead of sorting every
        # match (which SQLite, that keeps no statistics, chose with a plain index).
        Index("ix_vnf_instances_state_created", "instantiation_state", "created_at", "id"),
    )


#: Operation states after which nothing more happens to an operation.
FINAL_OPERATION_STATES = ("COMPLETED", "FAILED", "ROLLED_BACK")


class VnfLcmOpOccRow(Base):
    __tablename__ = "vnf_lcm_op_occs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # No foreign key: an operation's history outlives the instance it acted on, so an
    # NFVO can still read how a deleted instance was terminated.
    vnf_instance_id: Mapped[str] = mapped_column(String(64), index=True)
    operation: Mapped[str] = mapped_column(String(32))
    operation_state: Mapped[str] = mapped_column(String(32))
    state_entered_time: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH), index=True)
    start_time: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH), index=True)
    is_automatic_invocation: Mapped[bool] = mapped_column(Boolean, default=False)
    is_cancel_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_mode: Mapped[str | None] = mapped_column(String(16))
    grant_id: Mapped[str | None] = mapped_column(String(64))
    operation_params: Mapped[dict[str, Any] | None] = mapped_column(Json)
    error: Mapped[dict[str, Any] | None] = mapped_column(Json)
    resource_changes: Mapped[dict[str, Any] | None] = mapped_column(Json)
    changed_info: Mapped[dict[str, Any] | None] = mapped_column(Json)
    changed_ext_connectivity: Mapped[list[Any] | None] = mapped_column(Json)
    modifications_triggered_by_vnf_pkg_change: Mapped[dict[str, Any] | None] = mapped_column(Json)
    vnf_snapshot_info_id: Mapped[str | None] = mapped_column(String(64))
    # Engine bookkeeping, never returned as such.
    step: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[str | None] = mapped_column(String(TIMESTAMP_LENGTH), index=True)
    context: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH), default=utcnow)

    __table_args__ = (
        Index("ix_vnf_lcm_op_occs_created", "created_at", "id"),
        # As on vnf_instances: filtered lists read these in list order (and lookups by
        # state or operation alone use their first column like a plain index).
        Index("ix_vnf_lcm_op_occs_state_created", "operation_state", "created_at", "id"),
        Index("ix_vnf_lcm_op_occs_operation_created", "operation", "created_at", "id"),
        # One operation that is not final per VNF instance, enforced by the database so
        # that two racing requests (in one process or several) yield one 202 and one 409.
        Index(
            "ux_vnf_lcm_op_occs_one_open_per_instance",
            "vnf_instance_id",
            unique=True,
            sqlite_where=text("operation_state NOT IN ('COMPLETED', 'FAILED', 'ROLLED_BACK')"),
            postgresql_where=text("operation_state NOT IN ('COMPLETED', 'FAILED', 'ROLLED_BACK')"),
        ),
    )


class EscEventRow(Base):
    """A callback event received from ESC, kept so that whichever process runs the
    operation sees it, and so that a resumed step finds events that arrived while
    no process was waiting."""

    __tablename__ = "esc_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_name: Mapped[str | None] = mapped_column(String(255), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    status_message: Mapped[str | None] = mapped_column(Text)
    vm_name: Mapped[str | None] = mapped_column(String(255))
    vm_group: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH), default=utcnow)
