"""The ``vnf_snapshots`` table: one row per "Individual VNF snapshot" resource.

The row exists from ``POST /vnf_snapshots`` on, empty; CREATE_SNAPSHOT fills
``vnf_snapshot`` when it completes (or the NFVO imports a record with POST/PATCH).
The record is kept as SOL003 shapes it (a ``VnfSnapshot`` without ``_links``, which
the API adds), so SOL013 filters reach into it in SQL.

Until the Alembic migration that creates this table exists, only code that uses
snapshots imports this module: the model joins ``Base.metadata`` on import, and
every test database is emptied through that metadata.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vnfm.db.models import TIMESTAMP_LENGTH, Base, Json, utcnow


class VnfSnapshotRow(Base):
    __tablename__ = "vnf_snapshots"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vnf_snapshot_pkg_id: Mapped[str | None] = mapped_column(String(255))
    # The VnfSnapshot record (SOL003 5.5.2.23) without _links; None until taken or imported.
    vnf_snapshot: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # The VNF instance CREATE_SNAPSHOT took it of (the takenFrom link); None when
    # imported.  Only snapshots this VNFM took have ESC snapshots it may delete.
    vnf_instance_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Set while DELETE removes the ESC snapshots, so no operation starts on it meanwhile.
    is_deleting: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH), default=utcnow)

    __table_args__ = (Index("ix_vnf_snapshots_created", "created_at", "id"),)
