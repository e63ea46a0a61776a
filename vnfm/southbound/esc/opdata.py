"""ESC's operational data for one deployment: the answer to ``GET v0/deployments/{name}``.

The layout is ESC's ``opdata`` tree: tenant → ``deployments`` with ``deployment_name``,
``deployment_id``, a ``state_machine`` (service ``state`` and one
``vm_state_machine`` per VM) and ``vm_group`` → ``vm_instance`` entries with the VM's
ids, host and interfaces.  Per VM we also carry ``flavor``, ``image``, ``vim_state``,
``monitor_status`` and ``monitoring_agent``, which the LCM engine needs to report
resource changes and which a reader of the plain ESC form may treat as absent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar
from xml.etree.ElementTree import Element

from vnfm.southbound.esc.safexml import (
    XmlError,
    add,
    add_opt,
    child,
    children,
    element,
    local,
    parse,
    required_text,
    serialize,
    text,
    to_int,
)
from vnfm.southbound.types import (
    DeploymentState,
    MonitorStatus,
    ServiceState,
    VimVmState,
    VmInterface,
    VmState,
    VmStateName,
)

E = TypeVar("E", bound=StrEnum)


def opdata_xml(state: DeploymentState) -> bytes:
    root = element("esc_datamodel")
    tenant = add(add(add(root, "opdata"), "tenants"), "tenant")
    add(tenant, "name", state.tenant)
    dep = add(tenant, "deployments")
    add(dep, "deployment_name", state.name)
    add(dep, "deployment_id", state.deployment_id)
    machine = add(dep, "state_machine")
    add(machine, "state", state.state.value)
    vm_machines = add(machine, "vm_state_machines")
    for vm in state.vms:
        m = add(vm_machines, "vm_state_machine")
        add(m, "vm_name", vm.name)
        add(m, "state", vm.state.value)
    groups: dict[str, Element] = {}
    for vm in state.vms:
        if vm.vm_group not in groups:
            groups[vm.vm_group] = add(dep, "vm_group")
            add(groups[vm.vm_group], "name", vm.vm_group)
        inst = add(groups[vm.vm_group], "vm_instance")
        add(inst, "vm_id", vm.vm_id)
        add(inst, "name", vm.name)
        add(inst, "generated_name", vm.name)
        add_opt(inst, "host_id", vm.host_id)
        add_opt(inst, "hostname", vm.host_name)
        add_opt(inst, "flavor", vm.flavor)
        add_opt(inst, "image", vm.image)
        add_opt(inst, "vim_state", vm.vim_state.value if vm.vim_state else None)
        add(inst, "monitor_status", vm.monitor_status.value)
        add_opt(inst, "monitoring_agent", vm.monitoring_agent)
        ifaces = add(inst, "interfaces")
        for nic in vm.interfaces:
            i = add(ifaces, "interface")
            add(i, "nicid", nic.nicid)
            add_opt(i, "port_id", nic.port_id)
            add(i, "network", nic.network)
            add_opt(i, "ip_address", nic.ip_address)
            add_opt(i, "mac_address", nic.mac_address)
    return serialize(root)


def _enum(enum: type[E], value: str, what: str) -> E:
    try:
        return enum(value)
    except ValueError:
        raise XmlError(f"unknown {what} {value[:60]!r}") from None


def parse_opdata(data: bytes | str) -> DeploymentState:
    root = parse(data)
    if local(root.tag) != "esc_datamodel":
        raise XmlError("root element must be <esc_datamodel>")
    opdata = child(root, "opdata")
    tenants = child(opdata, "tenants") if opdata is not None else None
    tenant = child(tenants, "tenant") if tenants is not None else None
    dep = child(tenant, "deployments") if tenant is not None else None
    if tenant is None or dep is None:
        raise XmlError("opdata holds no tenant/deployments")
    machine = child(dep, "state_machine")
    if machine is None:
        raise XmlError("deployment has no <state_machine>")
    vm_states: dict[str, VmStateName] = {}
    vm_machines = child(machine, "vm_state_machines")
    for m in children(vm_machines, "vm_state_machine") if vm_machines is not None else ():
        vm_states[required_text(m, "vm_name", "vm_state_machine")] = _enum(
            VmStateName, required_text(m, "state", "vm_state_machine"), "VM state"
        )
    vms: list[VmState] = []
    for group in children(dep, "vm_group"):
        group_name = required_text(group, "name", "vm_group")
        for inst in children(group, "vm_instance"):
            name = text(inst, "generated_name") or required_text(inst, "name", "vm_instance")
            interfaces = []
            ifaces = child(inst, "interfaces")
            for i in children(ifaces, "interface") if ifaces is not None else ():
                interfaces.append(
                    VmInterface(
                        nicid=to_int(text(i, "nicid"), "nicid"),
                        network=text(i, "network") or "",
                        ip_address=text(i, "ip_address"),
                        mac_address=text(i, "mac_address"),
                        port_id=text(i, "port_id"),
                    )
                )
            vim_state = text(inst, "vim_state")
            monitor = text(inst, "monitor_status")
            vms.append(
                VmState(
                    name=name,
                    vm_id=required_text(inst, "vm_id", "vm_instance"),
                    vm_group=group_name,
                    state=vm_states.get(name, VmStateName.VM_UNDEF_STATE),
                    host_id=text(inst, "host_id"),
                    host_name=text(inst, "hostname"),
                    flavor=text(inst, "flavor"),
                    image=text(inst, "image"),
                    vim_state=_enum(VimVmState, vim_state, "VIM state") if vim_state else None,
                    interfaces=tuple(interfaces),
                    monitor_status=(
                        _enum(MonitorStatus, monitor, "monitor status")
                        if monitor else MonitorStatus.UNSET
                    ),
                    monitoring_agent=text(inst, "monitoring_agent"),
                )
            )
    return DeploymentState(
        tenant=required_text(tenant, "name", "tenant"),
        name=required_text(dep, "deployment_name", "deployments"),
        deployment_id=text(dep, "deployment_id") or "",
        state=_enum(ServiceState, required_text(machine, "state", "state_machine"),
                    "service state"),
        vms=tuple(vms),
    )
