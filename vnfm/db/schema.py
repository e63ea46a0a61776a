"""Every table of the product, for Alembic and for tools that need the whole schema."""

from __future__ import annotations

import vnfm.notify.models  # noqa: F401 - registers the notification tables on Base
import vnfm.snapshots.models  # noqa: F401 - registers the vnf_snapshots table on Base
from vnfm.db.models import Base

metadata = Base.metadata
