"""Between SOL003 and ESC: a VNF instance's plan as an ESC deployment, and ESC's
operational state as SOL003 ``instantiatedVnfInfo`` and ``resourceChanges``.

A *plan* is a small JSON-able dict kept in the op occ's context and in the
instance's ``internal`` record: which flavour, how many VMs of each VDU, which
network each external CP is on, the tenant, the ESC deployment name and the
monitoring agent.  From a plan and the VNFD, :func:`deployment_spec` builds the
exact ``DeploymentSpec`` the adapter sends, so an operation can be re-run after a
crash and send the same thing again.
"""

from __future__ import annotations

from typing import Any

from vnfm.southbound.types import (
    ConfigFileSpec,
    DeploymentSpec,
    DeploymentState,
    InterfaceSpec,
    KpiSpec,
    RuleSpec,
    ScalingSpec,
    VmGroupSpec,
    VmState,
    VmStateName,
)
from vnfm.vnfd.model import DeploymentFlavour, Vdu, Vnfd

VIM_LEVEL_SERVER = "OS::Nova::Server"
VIM_LEVEL_NETWORK = "OS::Neutron::Net"
DEFAULT_VIM_CONNECTION_ID = "default"


def deployment_name(instance_id: str) -> str:
    return f"vnf-{instance_id}"


def internal_network_name(deployment: str, vl_id: str) -> str:
    return f"{deployment}-{vl_id}"


def ext_cp_networks(request: dict[str, Any]) -> dict[str, str]:
    """cpdId -> network resourceId, from InstantiateVnfRequest.extVirtualLinks."""
    networks: dict[str, str] = {}
    for link in request.get("extVirtualLinks") or []:
        for cp in link.get("extCps") or []:
            networks[cp["cpdId"]] = link["resourceId"]
    return networks


def managed_vl_networks(request: dict[str, Any]) -> dict[str, str]:
    """Internal VL id -> existing network, from extManagedVirtualLinks."""
    return {
        link["vnfVirtualLinkDescId"]: link["resourceId"]
        for link in request.get("extManagedVirtualLinks") or []
    }


def vim_connection_id(vim_connection_info: dict[str, Any] | None) -> str:
    if vim_connection_info:
        return next(iter(vim_connection_info))
    return DEFAULT_VIM_CONNECTION_ID


def tenant_of(vim_connection_info: dict[str, Any] | None, default: str) -> str:
    """The ESC tenant: the VIM project of the first VIM connection, else ``default``."""
    for info in (vim_connection_info or {}).values():
        access = info.get("accessInfo") or {}
        for key in ("tenant", "project", "projectName"):
            if isinstance(access.get(key), str) and access[key]:
                return access[key]
    return default


def make_plan(
    *,
    default_network: str,
    instance_id: str,
    vnfd: Vnfd,
    flavour: DeploymentFlavour,
    vdu_counts: dict[str, int],
    scale_levels: dict[str, int],
    level_id: str | None,
    request: dict[str, Any],
    tenant: str,
    monitoring: dict[str, str],
    vim_connection: str,
) -> dict[str, Any]:
    return {
        "vnfdId": vnfd.vnfd_id,
        "flavourId": flavour.flavour_id,
        "instantiationLevelId": level_id,
        "vduCounts": dict(vdu_counts),
        "scaleLevels": dict(scale_levels),
        "extCpNetworks": ext_cp_networks(request),
        "defaultNetwork": default_network,
        "managedVlNetworks": managed_vl_networks(request),
        "extVirtualLinks": request.get("extVirtualLinks") or [],
        "tenant": tenant,
        "deployment": deployment_name(instance_id),
        "monitoring": dict(monitoring),
        "vimConnectionId": vim_connection,
        "configurableProperties": request.get("vnfConfigurableProperties") or {},
    }


def deployment_spec(vnfd: Vnfd, plan: dict[str, Any]) -> DeploymentSpec:
    flavour = vnfd.flavours[plan["flavourId"]]
    groups = tuple(
        _vm_group(vdu, plan) for vdu_id, vdu in flavour.vdus.items() if vdu_id in plan["vduCounts"]
    )
    return DeploymentSpec(tenant=plan["tenant"], name=plan["deployment"], vm_groups=groups)


def _vm_group(vdu: Vdu, plan: dict[str, Any]) -> VmGroupSpec:
    count = int(plan["vduCounts"][vdu.vdu_id])
    interfaces = []
    for cp in vdu.cps:
        if cp.is_external:
            network = plan["extCpNetworks"].get(cp.cp_id) or plan["defaultNetwork"]
        else:
            network = plan["managedVlNetworks"].get(cp.virtual_link_id) or (
                internal_network_name(plan["deployment"], cp.virtual_link_id or "")
            )
        interfaces.append(InterfaceSpec(nicid=cp.order, network=network))
    variables = {str(k): str(v) for k, v in (plan.get("configurableProperties") or {}).items()}
    return VmGroupSpec(
        name=vdu.vdu_id,
        image=image_overrides(plan).get(vdu.vdu_id, vdu.image.esc_image),
        flavor=vdu.compute.esc_flavor,
        bootup_time=vdu.bootup_time,
        recovery_wait_time=vdu.recovery_wait_time,
        interfaces=tuple(interfaces),
        scaling=ScalingSpec(min_active=count, max_active=count, elastic=True),
        kpis=tuple(
            KpiSpec(
                event_name=k.event_name,
                metric_value=str(k.metric_value),
                metric_cond=k.metric_cond,
                metric_type=k.metric_type,
                collector_type=k.collector.type,
                collector_nicid=k.collector.nicid,
                poll_frequency=k.collector.poll_frequency,
                polling_unit=k.collector.polling_unit,
                continuous_alarm=k.collector.continuous_alarm,
            )
            for k in vdu.esc.kpis
        ),
        rules=tuple(RuleSpec(event_name=r.event_name, actions=r.actions) for r in vdu.esc.rules),
        config_data=tuple(
            ConfigFileSpec(dst=c.dst, file=c.file, data=c.data, variables=variables)
            for c in vdu.esc.config_data
        ),
        monitoring_agent=dict(plan.get("monitoring") or {}),
    )


# ----------------------------------------------------------------------------- observation


def vnfc_resource(vm: VmState, plan: dict[str, Any], vnfd: Vnfd) -> dict[str, Any]:
    flavour = vnfd.flavours[plan["flavourId"]]
    vdu = flavour.vdus.get(vm.vm_group)
    cps = []
    for interface in vm.interfaces:
        cp = next((c for c in vdu.cps if c.order == interface.nicid), None) if vdu else None
        cpd_id = cp.cp_id if cp else f"nic{interface.nicid}"
        entry: dict[str, Any] = {"id": f"{vm.name}-{cpd_id}", "cpdId": cpd_id}
        if cp is not None and cp.is_external:
            entry["vnfExtCpId"] = f"{cpd_id}-{vm.name}"
        if interface.ip_address:
            entry["metadata"] = {"ipAddress": interface.ip_address}
        cps.append(entry)
    metadata: dict[str, Any] = {"escVmName": vm.name, "escVmState": vm.state.value}
    if vm.host_name:
        metadata["host"] = vm.host_name
    return {
        "id": vm.name,
        "vduId": vm.vm_group,
        "computeResource": {
            "vimConnectionId": plan["vimConnectionId"],
            "resourceId": vm.vm_id,
            "vimLevelResourceType": VIM_LEVEL_SERVER,
        },
        "vnfcCpInfo": cps,
        "metadata": metadata,
    }


def instantiated_vnf_info(
    vnfd: Vnfd, plan: dict[str, Any], state: DeploymentState, vnf_state: str
) -> dict[str, Any]:
    flavour = vnfd.flavours[plan["flavourId"]]
    vnfcs = [vnfc_resource(vm, plan, vnfd) for vm in state.vms]
    info: dict[str, Any] = {
        "flavourId": flavour.flavour_id,
        "vnfState": vnf_state,
        "scaleStatus": [
            {"aspectId": aspect_id, "scaleLevel": int(plan["scaleLevels"].get(aspect_id, 0))}
            for aspect_id in flavour.scaling_aspects
        ],
        "maxScaleLevels": [
            {"aspectId": aspect.aspect_id, "scaleLevel": aspect.max_scale_level}
            for aspect in flavour.scaling_aspects.values()
        ],
        "extCpInfo": _ext_cp_info(vnfcs),
        "extVirtualLinkInfo": _ext_virtual_link_info(plan),
        "vnfcResourceInfo": vnfcs,
        "virtualLinkResourceInfo": [
            {
                "id": f"{plan['deployment']}-{vl_id}",
                "vnfVirtualLinkDescId": vl_id,
                "networkResource": {
                    "vimConnectionId": plan["vimConnectionId"],
                    "resourceId": plan["managedVlNetworks"].get(vl_id)
                    or internal_network_name(plan["deployment"], vl_id),
                    "vimLevelResourceType": VIM_LEVEL_NETWORK,
                },
            }
            for vl_id in flavour.virtual_links
        ],
        "vnfcInfo": [
            {
                "id": f"vnfc-{vnfc['id']}",
                "vduId": vnfc["vduId"],
                "vnfcResourceInfoId": vnfc["id"],
                "vnfcState": "STARTED" if vnf_state == "STARTED" else "STOPPED",
            }
            for vnfc in vnfcs
        ],
    }
    if plan["flavourId"] and plan.get("instantiationLevelId"):
        info["metadata"] = {"instantiationLevelId": plan["instantiationLevelId"]}
    return info


def _ext_cp_info(vnfcs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = []
    for vnfc in vnfcs:
        for cp in vnfc["vnfcCpInfo"]:
            if "vnfExtCpId" not in cp:
                continue
            entry: dict[str, Any] = {
                "id": cp["vnfExtCpId"],
                "cpdId": cp["cpdId"],
                "cpConfigId": cp["cpdId"],
                "cpProtocolInfo": [{"layerProtocol": "IP_OVER_ETHERNET"}],
                "associatedVnfcCpId": cp["id"],
            }
            address = (cp.get("metadata") or {}).get("ipAddress")
            if address:
                entry["cpProtocolInfo"][0]["ipOverEthernet"] = {
                    "ipAddresses": [{"type": _ip_type(address), "addresses": [address]}]
                }
            result.append(entry)
    return result


def _ip_type(address: str) -> str:
    return "IPV6" if ":" in address else "IPV4"


def _ext_virtual_link_info(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": link["id"],
            "resourceHandle": {
                "vimConnectionId": link.get("vimConnectionId") or plan["vimConnectionId"],
                "resourceId": link["resourceId"],
                "vimLevelResourceType": VIM_LEVEL_NETWORK,
            },
            "currentVnfExtCpData": [
                {"cpdId": cp["cpdId"], **({"cpConfig": cp["cpConfig"]} if "cpConfig" in cp else {})}
                for cp in link.get("extCps") or []
            ],
        }
        for link in plan.get("extVirtualLinks") or []
    ]


def affected_vnfcs(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """AffectedVnfc entries for VNFCs that appeared (ADDED) or went away (REMOVED)."""
    before_ids = {v["id"] for v in before}
    after_ids = {v["id"] for v in after}
    changes = []
    for vnfc in after:
        if vnfc["id"] not in before_ids:
            changes.append(_affected(vnfc, "ADDED"))
    for vnfc in before:
        if vnfc["id"] not in after_ids:
            changes.append(_affected(vnfc, "REMOVED"))
    return changes


def _affected(vnfc: dict[str, Any], change_type: str) -> dict[str, Any]:
    return {
        "id": vnfc["id"],
        "vduId": vnfc["vduId"],
        "changeType": change_type,
        "computeResource": vnfc["computeResource"],
        "affectedVnfcCpIds": [cp["id"] for cp in vnfc.get("vnfcCpInfo", [])],
    }


def is_alive(state: DeploymentState) -> bool:
    return all(vm.state is VmStateName.VM_ALIVE_STATE for vm in state.vms)


# ----------------------------------------------------------------------------- for scale,
# heal and operate: reading a deployment against a plan, and small views of the record


def plan_of(internal: dict[str, Any] | None) -> dict[str, Any] | None:
    """The plan an instantiated VNF was last deployed with (kept in ``internal``)."""
    plan = (internal or {}).get("plan")
    return plan if isinstance(plan, dict) else None


def vnf_state_of(info: dict[str, Any] | None) -> str:
    """``vnfState`` of an instantiatedVnfInfo; an instantiated VNF starts STARTED."""
    return str((info or {}).get("vnfState") or "STARTED")


def vm_counts(state: DeploymentState) -> dict[str, int]:
    """How many VMs ESC has in each VM group (= VDU) of the deployment."""
    counts: dict[str, int] = {}
    for vm in state.vms:
        counts[vm.vm_group] = counts.get(vm.vm_group, 0) + 1
    return counts


def has_counts(state: DeploymentState, vdu_counts: dict[str, int]) -> bool:
    """Whether ESC runs exactly the plan's number of VMs of every VDU (and no others)."""
    wanted = {vdu: int(n) for vdu, n in vdu_counts.items() if int(n) > 0}
    return vm_counts(state) == wanted


def affected_vnfc(vnfc: dict[str, Any], change_type: str) -> dict[str, Any]:
    """One AffectedVnfc entry for a vnfcResourceInfo (ADDED, REMOVED, MODIFIED ...)."""
    return _affected(vnfc, change_type)


def with_vnf_state(
    info: dict[str, Any], vnf_state: str, state: DeploymentState | None
) -> dict[str, Any]:
    """A copy of ``info`` with ``vnfState`` and every ``vnfcInfo.vnfcState`` set, and the
    ESC VM states in the VNFC metadata refreshed from ``state`` when there is one.

    Operate changes nothing else, so the record is updated in place rather than rebuilt
    from the plan (which would need the VNFD).
    """
    result = dict(info)
    result["vnfState"] = vnf_state
    result["vnfcInfo"] = [{**vnfc, "vnfcState": vnf_state} for vnfc in info.get("vnfcInfo") or []]
    if state is not None:
        esc_states = {vm.name: vm.state.value for vm in state.vms}
        resources = []
        for vnfc in info.get("vnfcResourceInfo") or []:
            metadata = dict(vnfc.get("metadata") or {})
            if vnfc.get("id") in esc_states:
                metadata["escVmState"] = esc_states[vnfc["id"]]
            resources.append({**vnfc, "metadata": metadata})
        result["vnfcResourceInfo"] = resources
    return result


# ----------------------------------------------------------------------------- images


def image_overrides(plan: dict[str, Any]) -> dict[str, str]:
    """VDU id -> ESC image that replaces the VNFD's image (a reverted snapshot's image).

    ESC restores a VM from a snapshot by running the snapshot image (seed 002), so
    after a revert the plan, not the VNFD, says which image a VM group boots.
    """
    return dict(plan.get("imageOverrides") or {})


