"""Realistic rows for the benchmarks, bulk-inserted with Core ``insert()`` (executemany).

Instances are made from the bundled load-balancer VNFD: 60% are INSTANTIATED, each
with 2 or 3 VNFCs and the ``instantiatedVnfInfo`` that
:func:`vnfm.lcm.deployment.instantiated_vnf_info` builds for them (about 5-6 KB of
JSON), plus the plan the engine keeps in ``internal``.  Operation occurrences cover
the operations and final states an NFVO sees over time, with ``operationParams``,
``resourceChanges`` and an engine ``context`` like those the engine writes.  No row
is in a state an executor would pick up, so servers started on a seeded database
stay idle.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.lcm import deployment
from vnfm.southbound.types import (
    DeploymentState,
    ServiceState,
    VmInterface,
    VmState,
    VmStateName,
)
from vnfm.vnfd.catalog import Catalog
from vnfm.vnfd.model import Vnfd

LB_WORKER = "33333333-3333-4333-8333-333333333333"
BATCH = 2000
INSTANTIATED_SHARE = 0.6

_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"

#: (operation, weight) and (final state, weight) of the seeded op occs.
OPERATIONS = (
    ("INSTANTIATE", 35),
    ("TERMINATE", 25),
    ("SCALE", 20),
    ("HEAL", 10),
    ("MODIFY_INFO", 5),
    ("OPERATE", 5),
)
STATES = (("COMPLETED", 85), ("FAILED", 7), ("ROLLED_BACK", 5), ("FAILED_TEMP", 3))


def _pick(table: tuple[tuple[str, int], ...], rng: random.Random) -> str:
    return rng.choices([name for name, _ in table], weights=[w for _, w in table])[0]


@dataclass
class Seeder:
    """Grows the two tables to given sizes; remembers what it inserted."""

    engine: Engine
    rng: random.Random = field(default_factory=lambda: random.Random(8))
    instances: int = 0
    op_occs: int = 0
    instantiated_ids: list[str] = field(default_factory=list)
    #: Ids of COMPLETED INSTANTIATE op occs with resource changes (for single GETs).
    completed_instantiations: list[str] = field(default_factory=list)
    #: Sizes of the first instantiatedVnfInfo documents, encoded compactly.
    info_sizes: list[int] = field(default_factory=list)
    _clock: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    _vnfd: Vnfd | None = None

    @property
    def vnfd(self) -> Vnfd:
        if self._vnfd is None:
            vnfd = Catalog.load(None).get(LB_WORKER)
            if vnfd is None:
                raise RuntimeError(f"bundled VNFD {LB_WORKER} is missing")
            self._vnfd = vnfd
        return self._vnfd

    def _stamp(self) -> str:
        self._clock += timedelta(microseconds=self.rng.randint(500, 50_000))
        return self._clock.strftime(_STAMP)

    # ------------------------------------------------------------------ growing

    def grow(self, instances: int, op_occs: int) -> None:
        """Insert rows until the tables hold ``instances`` and ``op_occs`` rows."""
        self._insert(VnfInstanceRow, self._instance_rows(instances - self.instances))
        self._insert(VnfLcmOpOccRow, self._op_occ_rows(op_occs - self.op_occs))

    def _insert(self, model: type[Any], rows: Iterator[dict[str, Any]]) -> None:
        table = model.__table__
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                with self.engine.begin() as conn:
                    conn.execute(insert(table), batch)
                batch = []
        if batch:
            with self.engine.begin() as conn:
                conn.execute(insert(table), batch)

    # ------------------------------------------------------------------ instances

    def _instance_rows(self, count: int) -> Iterator[dict[str, Any]]:
        vnfd = self.vnfd
        for _ in range(max(count, 0)):
            self.instances += 1
            instance_id = str(uuid.uuid4())
            row: dict[str, Any] = {
                "id": instance_id,
                "vnf_instance_name": f"lb-pool-{self.instances:06d}",
                "vnf_instance_description": "Load-balanced worker pool for tenant traffic",
                "vnfd_id": vnfd.vnfd_id,
                "vnf_provider": vnfd.provider,
                "vnf_product_name": vnfd.product_name,
                "vnf_software_version": vnfd.software_version,
                "vnfd_version": vnfd.vnfd_version,
                "instantiation_state": "NOT_INSTANTIATED",
                "vnf_configurable_properties": None,
                "vim_connection_info": None,
                "instantiated_vnf_info": None,
                "metadata": {"tenant": f"tenant-{self.rng.randint(1, 40)}", "owner": "nfvo"},
                "extensions": None,
                "internal": {},
                "created_at": self._stamp(),
            }
            if self.rng.random() < INSTANTIATED_SHARE:
                self._instantiate(row)
            yield row

    def _instantiate(self, row: dict[str, Any]) -> None:
        instance_id = row["id"]
        vnfd = self.vnfd
        flavour = vnfd.flavours["default"]
        workers = self.rng.choice((1, 2))
        plan = deployment.make_plan(
            default_network="esc-net",
            instance_id=instance_id,
            vnfd=vnfd,
            flavour=flavour,
            vdu_counts={"LB": 1, "WORKER": workers},
            scale_levels={"workers": workers - 1},
            level_id=flavour.default_level_id,
            request=instantiate_request(self.rng),
            tenant="tenant-a",
            monitoring={"MONITORING_AGENT": "dmona://mona1"},
            vim_connection="vim-1",
        )
        state = _deployment_state(plan, vnfd, workers, self.rng)
        info = deployment.instantiated_vnf_info(vnfd, plan, state, "STARTED")
        if len(self.info_sizes) < 200:
            self.info_sizes.append(len(json.dumps(info, separators=(",", ":"))))
        row.update(
            instantiation_state="INSTANTIATED",
            instantiated_vnf_info=info,
            vnf_configurable_properties={"isAutoscaleEnabled": True, "isAutohealEnabled": False},
            vim_connection_info={
                "vim-1": {
                    "vimId": "8f9a1c52-0d8e-4b6e-9a3c-6a1f4e2b7c10",
                    "vimType": "ETSINFV.OPENSTACK_KEYSTONE.V_3",
                    "interfaceInfo": {"endpoint": "http://keystone.example:5000/v3"},
                    "accessInfo": {"username": "nfv", "password": "secret", "project": "nfv"},
                }
            },
            internal={"plan": plan, "monitoring": plan["monitoring"]},
        )
        self.instantiated_ids.append(instance_id)

    # ------------------------------------------------------------------ op occs

    def _op_occ_rows(self, count: int) -> Iterator[dict[str, Any]]:
        for _ in range(max(count, 0)):
            self.op_occs += 1
            operation = _pick(OPERATIONS, self.rng)
            state = _pick(STATES, self.rng)
            started = self._stamp()
            if state == "FAILED_TEMP" or not self.instantiated_ids:
                # One open operation per instance: a FAILED_TEMP one gets an instance of its own.
                instance_id = str(uuid.uuid4())
            else:
                instance_id = self.rng.choice(self.instantiated_ids)
            op_id = str(uuid.uuid4())
            failed = state in ("FAILED", "FAILED_TEMP", "ROLLED_BACK")
            row = {
                "id": op_id,
                "vnf_instance_id": instance_id,
                "operation": operation,
                "operation_state": state,
                "state_entered_time": started,
                "start_time": started,
                "is_automatic_invocation": False,
                "is_cancel_pending": False,
                "cancel_mode": None,
                "grant_id": None,
                "operation_params": operation_params(operation, self.rng),
                "error": _error(operation) if failed else None,
                "resource_changes": None if failed else _resource_changes(instance_id, self.rng),
                "changed_info": None,
                "changed_ext_connectivity": None,
                "modifications_triggered_by_vnf_pkg_change": None,
                "vnf_snapshot_info_id": None,
                "step": 1 if failed else 2,
                "lease_owner": None,
                "lease_expires_at": None,
                "context": {"plan": {"deployment": deployment.deployment_name(instance_id)}},
                "created_at": started,
            }
            if operation == "INSTANTIATE" and state == "COMPLETED":
                self.completed_instantiations.append(op_id)
            yield row


def instantiate_request(rng: random.Random) -> dict[str, Any]:
    """An InstantiateVnfRequest as NFVOs send it: both external CPs on given subnets."""

    def cp_config(name: str, cpd_id: str) -> dict[str, Any]:
        address = f"192.0.{rng.randint(0, 255)}.{rng.randint(2, 250)}"
        return {
            "cpdId": cpd_id,
            "cpConfig": {
                name: {
                    "cpProtocolData": [
                        {
                            "layerProtocol": "IP_OVER_ETHERNET",
                            "ipOverEthernet": {
                                "ipAddresses": [
                                    {
                                        "type": "IPV4",
                                        "fixedAddresses": [address],
                                        "subnetId": str(uuid.UUID(int=rng.getrandbits(128))),
                                    }
                                ]
                            },
                        }
                    ]
                }
            },
        }

    return {
        "flavourId": "default",
        "extVirtualLinks": [
            {
                "id": "ext-public",
                "resourceId": str(uuid.UUID(int=rng.getrandbits(128))),
                "extCps": [cp_config("public", "LB_CP_PUBLIC")],
            },
            {
                "id": "ext-mgmt",
                "resourceId": str(uuid.UUID(int=rng.getrandbits(128))),
                "extCps": [cp_config("mgmt", "LB_CP_MGMT")],
            },
        ],
    }


def operation_params(operation: str, rng: random.Random) -> dict[str, Any]:
    if operation == "INSTANTIATE":
        return instantiate_request(rng)
    if operation == "TERMINATE":
        return {"terminationType": "GRACEFUL", "gracefulTerminationTimeout": 60}
    if operation == "SCALE":
        return {"type": "SCALE_OUT", "aspectId": "workers", "numberOfSteps": 1}
    if operation == "HEAL":
        return {"cause": "VNFC not responding", "additionalParams": {"vnfcInstanceId": []}}
    if operation == "OPERATE":
        return {"changeStateTo": "STARTED"}
    return {"vnfInstanceName": "renamed", "metadata": {"owner": "nfvo"}}


def _error(operation: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": "ESC operation failed",
        "status": 500,
        "detail": f"ESC reported SERVICE_ALIVE FAILURE for {operation.lower()}: "
        "VM_DEPLOYED FAILURE LB-0: no valid host was found",
    }


def _resource_changes(instance_id: str, rng: random.Random) -> dict[str, Any]:
    name = deployment.deployment_name(instance_id)
    return {
        "affectedVnfcs": [
            {
                "id": f"{name}_{vdu}_{n}",
                "vduId": vdu,
                "changeType": "ADDED",
                "computeResource": {
                    "vimConnectionId": "vim-1",
                    "resourceId": str(uuid.UUID(int=rng.getrandbits(128))),
                    "vimLevelResourceType": deployment.VIM_LEVEL_SERVER,
                },
                "affectedVnfcCpIds": [f"{name}_{vdu}_{n}-{vdu}_CP_INTERNAL"],
            }
            for vdu, n in (("LB", 0), ("WORKER", 0))
        ]
    }


def _deployment_state(
    plan: dict[str, Any], vnfd: Vnfd, workers: int, rng: random.Random
) -> DeploymentState:
    """What ESC reports for the plan: ESC-style VM names, an address per NIC."""
    flavour = vnfd.flavours[plan["flavourId"]]
    vms = []
    groups = [("LB", 0)] + [("WORKER", n) for n in range(workers)]
    for index, (group, n) in enumerate(groups):
        vdu = flavour.vdus[group]
        vm_uuid = uuid.UUID(int=rng.getrandbits(128))
        vms.append(
            VmState(
                name=f"{plan['deployment']}_{group}_{n}_{vm_uuid}",
                vm_id=str(uuid.UUID(int=rng.getrandbits(128))),
                vm_group=group,
                state=VmStateName.VM_ALIVE_STATE,
                host_name=f"compute-{rng.randint(1, 48):02d}.dc1.example.net",
                interfaces=tuple(
                    VmInterface(
                        nicid=cp.order,
                        network="esc-net",
                        ip_address=f"10.{cp.order}.{index}.{rng.randint(2, 250)}",
                    )
                    for cp in vdu.cps
                ),
            )
        )
    return DeploymentState(
        tenant=plan["tenant"],
        name=plan["deployment"],
        deployment_id=str(uuid.UUID(int=rng.getrandbits(128))),
        state=ServiceState.SERVICE_ACTIVE_STATE,
        vms=tuple(vms),
    )
