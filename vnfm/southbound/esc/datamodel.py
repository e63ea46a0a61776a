"""``esc_datamodel`` XML: the deployment model ESC receives on deploy and service update.

The layout follows the example of seed 002 (tenant → deployment → vm_group with
image, flavor, bootup_time, recovery_wait_time, interfaces, scaling, kpi_data, rules,
config_data).  Where the seeds are silent we chose:

* a static address is written as ``<ip_address>`` inside its ``<interface>``;
* a day-0 file is ``<configuration>`` with ``<dst>``, ``<file>`` or ``<data>`` and
  ``<variable><name/><val/></variable>`` entries;
* the monitoring agent key/value of seed 003 is a YANG-style list in the vm_group:
  ``<monitoring_agent><name>KEY</name><value>dmona://mona1</value></monitoring_agent>``.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from vnfm.southbound.esc.safexml import (
    XmlError,
    add,
    add_opt,
    child,
    children,
    element,
    parse,
    required_text,
    serialize,
    text,
    to_bool,
    to_int,
)
from vnfm.southbound.types import (
    ConfigFileSpec,
    DeploymentSpec,
    InterfaceSpec,
    KpiSpec,
    RuleSpec,
    ScalingSpec,
    VmGroupSpec,
)


def build_datamodel(spec: DeploymentSpec) -> bytes:
    """The XML document ESC expects for ``spec``."""
    root = element("esc_datamodel")
    tenant = add(add(root, "tenants"), "tenant")
    add(tenant, "name", spec.tenant)
    deployment = add(add(tenant, "deployments"), "deployment")
    add(deployment, "name", spec.name)
    for group in spec.vm_groups:
        _build_group(add(deployment, "vm_group"), group)
    return serialize(root)


def _build_group(node: Element, group: VmGroupSpec) -> None:
    add(node, "name", group.name)
    add(node, "bootup_time", group.bootup_time)
    add(node, "recovery_wait_time", group.recovery_wait_time)
    add(node, "image", group.image)
    add(node, "flavor", group.flavor)
    interfaces = add(node, "interfaces")
    for nic in group.interfaces:
        iface = add(interfaces, "interface")
        add(iface, "nicid", nic.nicid)
        add(iface, "network", nic.network)
        add_opt(iface, "ip_address", nic.ip_address)
    scaling = add(node, "scaling")
    add(scaling, "min_active", group.scaling.min_active)
    add(scaling, "max_active", group.scaling.max_active)
    add(scaling, "elastic", group.scaling.elastic)
    if group.kpis:
        kpi_data = add(node, "kpi_data")
        for kpi in group.kpis:
            k = add(kpi_data, "kpi")
            add(k, "event_name", kpi.event_name)
            add(k, "metric_value", kpi.metric_value)
            add(k, "metric_cond", kpi.metric_cond)
            add(k, "metric_type", kpi.metric_type)
            collector = add(k, "metric_collector")
            add(collector, "type", kpi.collector_type)
            add(collector, "nicid", kpi.collector_nicid)
            add(collector, "poll_frequency", kpi.poll_frequency)
            add(collector, "polling_unit", kpi.polling_unit)
            add(collector, "continuous_alarm", kpi.continuous_alarm)
    if group.rules:
        admin_rules = add(add(node, "rules"), "admin_rules")
        for rule in group.rules:
            r = add(admin_rules, "rule")
            add(r, "event_name", rule.event_name)
            for action in rule.actions:
                add(r, "action", action)
    config = add(node, "config_data")
    for cfg in group.config_data:
        c = add(config, "configuration")
        add(c, "dst", cfg.dst)
        add_opt(c, "file", cfg.file)
        add_opt(c, "data", cfg.data)
        for name, value in cfg.variables.items():
            var = add(c, "variable")
            add(var, "name", name)
            add(var, "val", value)
    for key, value in group.monitoring_agent.items():
        agent = add(node, "monitoring_agent")
        add(agent, "name", key)
        add(agent, "value", value)


def parse_datamodel(data: bytes | str) -> DeploymentSpec:
    """Read an ``esc_datamodel`` holding exactly one tenant with exactly one deployment."""
    root = parse(data)
    if root.tag.rsplit("}", 1)[-1] != "esc_datamodel":
        raise XmlError("root element must be <esc_datamodel>")
    tenants = child(root, "tenants")
    tenant_nodes = list(children(tenants, "tenant")) if tenants is not None else []
    if len(tenant_nodes) != 1:
        raise XmlError("exactly one <tenant> expected")
    tenant = tenant_nodes[0]
    deployments = child(tenant, "deployments")
    dep_nodes = list(children(deployments, "deployment")) if deployments is not None else []
    if len(dep_nodes) != 1:
        raise XmlError("exactly one <deployment> expected")
    dep = dep_nodes[0]
    groups = tuple(_parse_group(g) for g in children(dep, "vm_group"))
    if not groups:
        raise XmlError("a deployment needs at least one <vm_group>")
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise XmlError("vm_group names must be unique within a deployment")
    return DeploymentSpec(
        tenant=required_text(tenant, "name", "tenant"),
        name=required_text(dep, "name", "deployment"),
        vm_groups=groups,
    )


def _parse_group(node: Element) -> VmGroupSpec:
    where = "vm_group"
    interfaces: list[InterfaceSpec] = []
    ifaces = child(node, "interfaces")
    for iface in children(ifaces, "interface") if ifaces is not None else ():
        interfaces.append(
            InterfaceSpec(
                nicid=to_int(text(iface, "nicid"), "nicid"),
                network=required_text(iface, "network", "interface"),
                ip_address=text(iface, "ip_address"),
            )
        )
    scaling_node = child(node, "scaling")
    scaling = ScalingSpec()
    if scaling_node is not None:
        scaling = ScalingSpec(
            min_active=to_int(text(scaling_node, "min_active"), "min_active", 1),
            max_active=to_int(text(scaling_node, "max_active"), "max_active", 1),
            elastic=to_bool(text(scaling_node, "elastic"), "elastic", True),
        )
    kpis: list[KpiSpec] = []
    kpi_data = child(node, "kpi_data")
    for kpi in children(kpi_data, "kpi") if kpi_data is not None else ():
        collector = child(kpi, "metric_collector")
        c = collector if collector is not None else kpi
        kpis.append(
            KpiSpec(
                event_name=required_text(kpi, "event_name", "kpi"),
                metric_value=text(kpi, "metric_value") or "1",
                metric_cond=text(kpi, "metric_cond") or "GT",
                metric_type=text(kpi, "metric_type") or "UINT32",
                collector_type=text(c, "type") or "ICMPPing",
                collector_nicid=to_int(text(c, "nicid"), "nicid", 0),
                poll_frequency=to_int(text(c, "poll_frequency"), "poll_frequency", 3),
                polling_unit=text(c, "polling_unit") or "seconds",
                continuous_alarm=to_bool(text(c, "continuous_alarm"), "continuous_alarm", False),
            )
        )
    rules: list[RuleSpec] = []
    rules_node = child(node, "rules")
    admin = child(rules_node, "admin_rules") if rules_node is not None else None
    for rule in children(admin, "rule") if admin is not None else ():
        rules.append(
            RuleSpec(
                event_name=required_text(rule, "event_name", "rule"),
                actions=tuple((a.text or "").strip() for a in children(rule, "action")),
            )
        )
    configs: list[ConfigFileSpec] = []
    config_data = child(node, "config_data")
    for cfg in children(config_data, "configuration") if config_data is not None else ():
        variables = {
            required_text(v, "name", "variable"): text(v, "val") or ""
            for v in children(cfg, "variable")
        }
        configs.append(
            ConfigFileSpec(
                dst=required_text(cfg, "dst", "configuration"),
                file=text(cfg, "file"),
                data=text(cfg, "data"),
                variables=variables,
            )
        )
    agents = {
        required_text(a, "name", "monitoring_agent"): text(a, "value") or ""
        for a in children(node, "monitoring_agent")
    }
    return VmGroupSpec(
        name=required_text(node, "name", where),
        image=required_text(node, "image", where),
        flavor=required_text(node, "flavor", where),
        bootup_time=to_int(text(node, "bootup_time"), "bootup_time", 60),
        recovery_wait_time=to_int(text(node, "recovery_wait_time"), "recovery_wait_time", 0),
        interfaces=tuple(interfaces),
        scaling=scaling,
        kpis=tuple(kpis),
        rules=tuple(rules),
        config_data=tuple(configs),
        monitoring_agent=agents,
    )
