"""The queryable collections: for each, where its attributes live in SQL, how a row
becomes a document, and what the default view leaves out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import Row, Select, bindparam, cast, null, select
from starlette.concurrency import run_in_threadpool

from vnfm.api import views
from vnfm.api.context import services
from vnfm.api.responses import RawJsonText
from vnfm.db.models import Base, VnfInstanceRow, VnfLcmOpOccRow
from vnfm.sol013.sql import FieldMap, JsonField, Kind, ScalarField

I = VnfInstanceRow  # noqa: E741 - short aliases keep the maps below readable
O = VnfLcmOpOccRow  # noqa: E741

#: Engine-private columns no view shows; never read for a document.
PRIVATE_COLUMNS = frozenset({"context", "internal"})


@dataclass(frozen=True)
class Collection:
    name: str
    model: type[Base]
    fields: FieldMap
    view: Callable[[Any], dict[str, Any]]
    default_excluded: frozenset[str]
    #: Columns holding default-excluded attributes, skipped when the response omits them.
    deferrable: dict[str, Any]
    #: Attributes of ``deferrable`` the view shows exactly as stored: a list showing them
    #: whole may send their stored JSON text instead of decoding and re-encoding it.
    #: Never one the view changes (``vimConnectionInfo`` loses its secrets there).
    verbatim: frozenset[str] = frozenset()

    def columns(
        self,
        skipped: set[str] | frozenset[str] = frozenset(),
        as_text: set[str] | frozenset[str] = frozenset(),
    ) -> list[Any]:
        """The model's columns a document may show, labelled with their attribute keys:
        a Core connection would name them after the table's columns (``metadata``, not
        ``metadata_``) and a view would miss them.

        The ``skipped`` ones (attribute keys) are not read: each is a NULL under its
        name, so a view reads None, as for an empty column, without a slow miss. The
        ``as_text`` ones (JSON columns) come as their stored text, a
        :class:`~vnfm.api.responses.RawJson` (None for a JSON null)."""
        model: Any = self.model
        columns = []
        for attribute in model.__mapper__.column_attrs:
            key = attribute.key
            if key in PRIVATE_COLUMNS:
                continue
            if key in skipped:
                columns.append(null().label(key))
            elif key in as_text:
                columns.append(cast(getattr(model, key), RawJsonText()).label(key))
            else:
                columns.append(getattr(model, key).label(key))
        return columns

    @cached_property
    def by_id(self) -> Select[Any]:
        """One row by ``id``, every column a document shows.  Built once: building and
        keying a statement costs more than running it on SQLite."""
        model: Any = self.model
        return select(*self.columns()).where(model.id == bindparam("id"))


def read_one(collection: Collection, resource_id: str) -> Row[Any] | None:
    """The row of one resource as a plain row (what the collection's view takes), or
    None when there is none."""
    with services().read_connection() as connection:
        return connection.execute(collection.by_id, {"id": resource_id}).one_or_none()


async def read_one_soon(collection: Collection, resource_id: str) -> Row[Any] | None:
    """:func:`read_one` for an ``async`` handler.

    On SQLite the read runs on the event loop: in WAL mode a reader never waits for a
    writer, and a primary-key lookup in a local file takes a fraction of a millisecond,
    less than handing the request to a worker thread and back (the single-resource GET
    served about 1.3x the requests that way).  A PostgreSQL read is round trips to a
    server that may be slow, so it stays off the loop.
    """
    if services().read_engine.dialect.name == "sqlite":
        return read_one(collection, resource_id)
    return await run_in_threadpool(read_one, collection, resource_id)


VNF_INSTANCES = Collection(
    name="vnf_instances",
    model=VnfInstanceRow,
    fields={
        "id": ScalarField(I.id, Kind.STRING),
        "vnfInstanceName": ScalarField(I.vnf_instance_name, Kind.STRING),
        "vnfInstanceDescription": ScalarField(I.vnf_instance_description, Kind.STRING),
        "vnfdId": ScalarField(I.vnfd_id, Kind.STRING),
        "vnfProvider": ScalarField(I.vnf_provider, Kind.STRING),
        "vnfProductName": ScalarField(I.vnf_product_name, Kind.STRING),
        "vnfSoftwareVersion": ScalarField(I.vnf_software_version, Kind.STRING),
        "vnfdVersion": ScalarField(I.vnfd_version, Kind.STRING),
        "instantiationState": ScalarField(
            I.instantiation_state,
            Kind.ENUM,
            frozenset({"NOT_INSTANTIATED", "INSTANTIATED"}),
        ),
        "vnfConfigurableProperties": JsonField(I.vnf_configurable_properties),
        "instantiatedVnfInfo": JsonField(I.instantiated_vnf_info),
        "metadata": JsonField(I.metadata_),
        "extensions": JsonField(I.extensions),
    },
    view=views.vnf_instance,
    default_excluded=views.VNF_INSTANCE_DEFAULT_EXCLUDED,
    deferrable={
        "vnfConfigurableProperties": I.vnf_configurable_properties,
        "vimConnectionInfo": I.vim_connection_info,
        "instantiatedVnfInfo": I.instantiated_vnf_info,
        "metadata": I.metadata_,
        "extensions": I.extensions,
    },
    verbatim=frozenset(
        {"vnfConfigurableProperties", "instantiatedVnfInfo", "metadata", "extensions"}
    ),
)

OPERATION_STATES = frozenset(
    {"STARTING", "PROCESSING", "COMPLETED", "FAILED_TEMP", "FAILED", "ROLLING_BACK", "ROLLED_BACK"}
)

VNF_LCM_OP_OCCS = Collection(
    name="vnf_lcm_op_occs",
    model=VnfLcmOpOccRow,
    fields={
        "id": ScalarField(O.id, Kind.STRING),
        "operationState": ScalarField(O.operation_state, Kind.ENUM, OPERATION_STATES),
        "stateEnteredTime": ScalarField(O.state_entered_time, Kind.DATETIME),
        "startTime": ScalarField(O.start_time, Kind.DATETIME),
        "vnfInstanceId": ScalarField(O.vnf_instance_id, Kind.STRING),
        "grantId": ScalarField(O.grant_id, Kind.STRING),
        "operation": ScalarField(O.operation, Kind.STRING),
        "isAutomaticInvocation": ScalarField(O.is_automatic_invocation, Kind.BOOLEAN),
        "isCancelPending": ScalarField(O.is_cancel_pending, Kind.BOOLEAN),
        "cancelMode": ScalarField(O.cancel_mode, Kind.STRING),
        "operationParams": JsonField(O.operation_params),
        "error": JsonField(O.error),
        "resourceChanges": JsonField(O.resource_changes),
        "changedInfo": JsonField(O.changed_info),
        "changedExtConnectivity": JsonField(O.changed_ext_connectivity),
        "modificationsTriggeredByVnfPkgChange": JsonField(
            O.modifications_triggered_by_vnf_pkg_change
        ),
        "vnfSnapshotInfoId": ScalarField(O.vnf_snapshot_info_id, Kind.STRING),
    },
    view=views.vnf_lcm_op_occ,
    default_excluded=views.OP_OCC_DEFAULT_EXCLUDED,
    deferrable={
        "operationParams": O.operation_params,
        "error": O.error,
        "resourceChanges": O.resource_changes,
        "changedInfo": O.changed_info,
        "changedExtConnectivity": O.changed_ext_connectivity,
    },
    verbatim=frozenset(
        {"operationParams", "error", "resourceChanges", "changedInfo", "changedExtConnectivity"}
    ),
)
