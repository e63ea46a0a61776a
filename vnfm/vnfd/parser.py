"""Reading a VNFD written in our TOSCA SOL001 subset (see README.md) into ``model``.

The parser is strict on purpose: a descriptor is checked once, when it enters the
catalog, so that every later lifecycle operation can trust it (no dangling
reference, no impossible scale level, counts within each VDU's profile) and an
operator learns what is wrong, and where, before any VNF is instantiated.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from vnfm.vnfd.errors import VnfdError
from vnfm.vnfd.model import (
    ConfigFile,
    DeploymentFlavour,
    EscVdu,
    EscVnf,
    InstantiationLevel,
    Kpi,
    MetricCollector,
    Rule,
    ScalingAspect,
    SwImage,
    Vdu,
    VduCp,
    VirtualCompute,
    VirtualLink,
    Vnfd,
)
from vnfm.vnfd.reader import Node
from vnfm.vnfd.rules import instances_for_scale_levels
from vnfm.vnfd.safeyaml import load_yaml

__all__ = ["VnfdError", "parse_vnfd"]

TOSCA_VERSIONS = ("tosca_simple_yaml_1_3", "tosca_simple_yaml_1_2")

VNF = "tosca.nodes.nfv.VNF"
VDU = "tosca.nodes.nfv.Vdu.Compute"
VDU_CP = "tosca.nodes.nfv.VduCp"
VIRTUAL_LINK = "tosca.nodes.nfv.VnfVirtualLink"
NODE_TYPES = (VNF, VDU, VDU_CP, VIRTUAL_LINK)

SCALING_ASPECTS = "tosca.policies.nfv.ScalingAspects"
ASPECT_DELTAS = "tosca.policies.nfv.VduScalingAspectDeltas"
INITIAL_DELTA = "tosca.policies.nfv.VduInitialDelta"
LEVELS = "tosca.policies.nfv.InstantiationLevels"
VDU_LEVELS = "tosca.policies.nfv.VduInstantiationLevels"
POLICY_TYPES = (SCALING_ASPECTS, ASPECT_DELTAS, INITIAL_DELTA, LEVELS, VDU_LEVELS)

# vnfdIds end up in URLs, file names and ESC deployment names: keep them plain.
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,254}")
_MONITORING_AGENT = re.compile(r"dmona(Name)?://\S+")
_RULE_ACTION = re.compile(r"(ALWAYS|TRUE|FALSE) \S.*")
_METRIC_CONDS = ("GT", "GE", "LT", "LE", "EQ")
_POLLING_UNITS = ("seconds", "minutes")

# TOSCA scalar-unit.size, in MiB.  Decimal and binary prefixes are treated alike, as
# cloud flavors are: "512 MB" is a 512 MB flavor and "1 GB" means 1024 MB.
_SIZE_IN_MB = {"mb": 1, "mib": 1, "gb": 1024, "gib": 1024, "tb": 1024**2, "tib": 1024**2}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*")

_T = TypeVar("_T")


def _frozen(mapping: Mapping[str, _T]) -> Mapping[str, _T]:
    return MappingProxyType(dict(mapping))


def parse_vnfd(text: str, source: str = "<string>") -> Vnfd:
    """Parse and validate one descriptor; ``VnfdError`` names ``source`` and the bad element."""
    doc = Node(source, "", load_yaml(text, source))
    doc.mapping()
    doc.req("tosca_definitions_version").choice(TOSCA_VERSIONS)

    header: Vnfd | None = None
    flavours: dict[str, DeploymentFlavour] = {}
    for template in _topology_templates(doc):
        this_header, flavour = _parse_flavour(template)
        if header is None:
            header = this_header
        else:
            _check_same_header(header, this_header, template)
        if flavour.flavour_id in flavours:
            template.fail(f"duplicate flavour_id {flavour.flavour_id!r}")
        flavours[flavour.flavour_id] = flavour
    assert header is not None  # _topology_templates returns at least one
    return dataclasses.replace(header, flavours=_frozen(flavours))


def _topology_templates(doc: Node) -> list[Node]:
    """SOL001's single ``topology_template``, or our list of one per flavour."""
    single, several = doc.get("topology_template"), doc.get("topology_templates")
    if single is not None and several is not None:
        doc.fail("has both topology_template and topology_templates; use one")
    if single is not None:
        return [single]
    if several is None:
        doc.fail("missing topology_template (or topology_templates)")
    templates = several.seq()
    if not templates:
        several.fail("must hold at least one topology template")
    return templates


def _check_same_header(first: Vnfd, other: Vnfd, template: Node) -> None:
    """Every flavour repeats the VNF node's product properties; they must agree."""
    for field in dataclasses.fields(Vnfd):
        if field.name == "flavours":
            continue
        mine, theirs = getattr(first, field.name), getattr(other, field.name)
        if mine != theirs:
            template.fail(
                f"VNF property {field.name} is {theirs!r} here but {mine!r} in the "
                "first topology template; all flavours describe the same VNF"
            )


# -- one flavour ----------------------------------------------------------------------


def _parse_flavour(template: Node) -> tuple[Vnfd, DeploymentFlavour]:
    node_templates = template.req("node_templates")
    by_type: dict[str, list[tuple[str, Node]]] = {node_type: [] for node_type in NODE_TYPES}
    for name, body in node_templates.items():
        type_node = body.req("type")
        node_type = type_node.text()
        if node_type not in by_type:
            supported = ", ".join(NODE_TYPES)
            type_node.fail(f"unsupported node type {node_type!r}; supported: {supported}")
        by_type[node_type].append((name, body))

    vnf_nodes = by_type[VNF]
    if len(vnf_nodes) != 1:
        node_templates.fail(f"needs one node template of type {VNF}, found {len(vnf_nodes)}")
    header, flavour_id, flavour_description = _vnf_node(vnf_nodes[0][1])

    virtual_links = {name: _virtual_link(name, body) for name, body in by_type[VIRTUAL_LINK]}
    vdu_ids = {name for name, _ in by_type[VDU]}
    if not vdu_ids:
        node_templates.fail(f"needs at least one node template of type {VDU}")
    cps = _vdu_cps(by_type[VDU_CP], vdu_ids, virtual_links)
    vdus = {name: _vdu(name, body, cps.get(name, [])) for name, body in by_type[VDU]}
    ext_cps = tuple(cp.cp_id for _, cp in sorted(_all_cps(cps)) if cp.is_external)
    _check_substitution_mappings(template, flavour_id, ext_cps)

    partial = DeploymentFlavour(
        flavour_id=flavour_id,
        description=flavour_description,
        vdus=_frozen(vdus),
        virtual_links=_frozen(virtual_links),
        ext_cps=ext_cps,
        scaling_aspects=_frozen({}),
        initial_deltas=_frozen({}),
        instantiation_levels=_frozen({}),
        default_level_id=None,
    )
    return header, _apply_policies(template, partial)


def _all_cps(cps: Mapping[str, list[tuple[int, VduCp]]]) -> list[tuple[int, VduCp]]:
    return [entry for entries in cps.values() for entry in entries]


def _vnf_node(body: Node) -> tuple[Vnfd, str, str]:
    props = body.req("properties")
    esc = EscVnf()
    esc_node = props.get("vnfm_esc")
    if esc_node is not None:
        key_node = esc_node.get("monitoring_agent_key")
        agent_node = esc_node.get("monitoring_agent")
        if agent_node is not None and key_node is None:
            esc_node.fail("monitoring_agent needs a monitoring_agent_key to be stored under")
        esc = EscVnf(
            monitoring_agent_key=None if key_node is None else key_node.text(),
            monitoring_agent=None
            if agent_node is None
            else agent_node.matching(_MONITORING_AGENT, "dmona://<name> or dmonaName://<name>"),
        )
    product_name = props.req("product_name").text()
    vnfm_info = props.get("vnfm_info")
    header = Vnfd(
        vnfd_id=props.req("descriptor_id").matching(
            _IDENTIFIER, "letters, digits, '.', '_', ':' or '-' (at most 255)"
        ),
        provider=props.req("provider").text(),
        product_name=product_name,
        software_version=props.req("software_version").text(),
        vnfd_version=props.req("descriptor_version").text(),
        product_info_name=props.opt_text("product_info_name", product_name),
        product_info_description=props.opt_text("product_info_description"),
        vnfm_info=() if vnfm_info is None else vnfm_info.texts(),
        flavours=_frozen({}),
        esc=esc,
    )
    flavour_id = props.req("flavour_id").matching(_IDENTIFIER, "a plain identifier")
    return header, flavour_id, props.opt_text("flavour_description")


def _check_substitution_mappings(template: Node, flavour_id: str, ext_cps: tuple[str, ...]) -> None:
    """Optional in our subset; when present it must agree with the node templates."""
    mappings = template.get("substitution_mappings")
    if mappings is None:
        return
    props = mappings.get("properties")
    if props is not None:
        mapped = props.get("flavour_id")
        if mapped is not None and mapped.text() != flavour_id:
            mapped.fail(f"is {mapped.value!r} but the VNF node says flavour_id {flavour_id!r}")
    requirements = mappings.get("requirements")
    if requirements is not None:
        for _, target in requirements.items():
            pair = target.texts()
            if len(pair) != 2 or pair[0] not in ext_cps:
                target.fail(f"must be [<external VduCp>, <requirement>]; external CPs: {ext_cps}")


def _virtual_link(vl_id: str, body: Node) -> VirtualLink:
    props = body.req("properties")
    return VirtualLink(
        vl_id=vl_id,
        description=props.opt_text("description"),
        layer_protocols=props.req("connectivity_type").req("layer_protocols").texts(),
    )


def _vdu_cps(
    nodes: list[tuple[str, Node]], vdu_ids: set[str], virtual_links: Mapping[str, VirtualLink]
) -> dict[str, list[tuple[int, VduCp]]]:
    """CPs grouped by the VDU they bind to; the int is their declaration index."""
    by_vdu: dict[str, list[tuple[int, VduCp]]] = {}
    for index, (cp_id, body) in enumerate(nodes):
        binding: str | None = None
        link: str | None = None
        requirements = body.get("requirements")
        for requirement in [] if requirements is None else requirements.seq():
            kind, target = requirement.single_entry()
            if kind == "virtual_binding":
                if binding is not None:
                    requirement.fail("second virtual_binding; a VduCp binds to one VDU")
                binding = target.text()
                if binding not in vdu_ids:
                    target.fail(f"names no {VDU} node template: {binding!r}")
            elif kind == "virtual_link":
                if link is not None:
                    requirement.fail("second virtual_link; a VduCp attaches to one link")
                link = target.text()
                if link not in virtual_links:
                    target.fail(f"names no {VIRTUAL_LINK} node template: {link!r}")
            else:
                requirement.fail(
                    f"unsupported requirement {kind!r}; use virtual_binding or virtual_link"
                )
        if binding is None:
            body.fail("missing requirement virtual_binding (the VDU this CP belongs to)")
        siblings = by_vdu.setdefault(binding, [])
        props = body.get("properties")
        order = len(siblings) if props is None else props.opt_integer("order", len(siblings))
        for _, sibling in siblings:
            if sibling.order == order:
                body.fail(f"order {order} is already used by {sibling.cp_id} on {binding}")
        description = "" if props is None else props.opt_text("description")
        siblings.append((index, VduCp(cp_id, binding, order, link, description)))
    return by_vdu


def _size_mb(node: Node) -> int:
    """A TOSCA scalar-unit.size in whole MB (see ``_SIZE_IN_MB``)."""
    match = _SIZE.fullmatch(node.text())
    unit = match and _SIZE_IN_MB.get(match.group(2).lower())
    if not match or unit is None:
        node.fail(f"must be a size such as '512 MB' or '1 GB', got {node.value!r}")
    size = float(match.group(1)) * unit
    if size != int(size) or size <= 0:
        node.fail(f"must be a positive whole number of MB, got {node.value!r}")
    return int(size)


def _vdu(vdu_id: str, body: Node, cps: list[tuple[int, VduCp]]) -> Vdu:
    props = body.req("properties")
    profile = props.req("vdu_profile")
    min_instances = profile.req("min_number_of_instances").integer(0)
    max_instances = profile.req("max_number_of_instances").integer(1)
    if min_instances > max_instances:
        profile.fail(
            f"min_number_of_instances {min_instances} > max_number_of_instances {max_instances}"
        )

    compute = body.req("capabilities").req("virtual_compute").req("properties")
    storage = compute.get("virtual_local_storage")
    root_disk_mb = 0
    if storage is not None and storage.seq():
        root_disk_node = storage.seq()[0].req("size_of_storage")
        root_disk_mb = _size_mb(root_disk_node)
        if root_disk_mb % 1024:
            root_disk_node.fail(f"must be whole GB, got {root_disk_node.value!r}")

    esc = props.req("vnfm_esc")
    image = props.req("sw_image_data")
    image_name = image.req("name").text()
    vdu_cps = tuple(cp for _, cp in sorted(cps, key=lambda entry: entry[1].order))
    return Vdu(
        vdu_id=vdu_id,
        name=props.req("name").text(),
        description=props.opt_text("description"),
        compute=VirtualCompute(
            num_vcpus=compute.req("virtual_cpu").req("num_virtual_cpu").integer(1),
            memory_mb=_size_mb(compute.req("virtual_memory").req("virtual_mem_size")),
            root_disk_gb=root_disk_mb // 1024,
            esc_flavor=esc.req("flavor").text(),
        ),
        image=SwImage(
            name=image_name,
            version=image.req("version").text(),
            esc_image=esc.opt_text("image", image_name),
            container_format=image.req("container_format").text(),
            disk_format=image.req("disk_format").text(),
        ),
        bootup_time=esc.req("bootup_time").integer(0),
        recovery_wait_time=esc.opt_integer("recovery_wait_time", 0),
        min_instances=min_instances,
        max_instances=max_instances,
        cps=vdu_cps,
        esc=_esc_vdu(esc, vdu_id, {cp.order for cp in vdu_cps}),
    )


def _esc_vdu(esc: Node, vdu_id: str, nic_ids: set[int]) -> EscVdu:
    kpis: dict[str, Kpi] = {}
    for item in esc.opt_seq("kpi_data"):
        event = item.req("event_name").text()
        if event in kpis:
            item.fail(f"second KPI for event {event!r}")
        collector = item.req("metric_collector")
        nicid_node = collector.req("nicid")
        nicid = nicid_node.integer(0)
        if nicid not in nic_ids:
            nicid_node.fail(f"names no CP of {vdu_id} (CP orders: {sorted(nic_ids)})")
        continuous = collector.get("continuous_alarm")
        kpis[event] = Kpi(
            event_name=event,
            metric_value=item.req("metric_value").integer(0),
            metric_cond=item.req("metric_cond").choice(_METRIC_CONDS),
            metric_type=item.req("metric_type").text(),
            collector=MetricCollector(
                type=collector.req("type").text(),
                nicid=nicid,
                poll_frequency=collector.req("poll_frequency").integer(1),
                polling_unit=collector.req("polling_unit").choice(_POLLING_UNITS),
                continuous_alarm=False if continuous is None else continuous.flag(),
            ),
        )

    rules: dict[str, Rule] = {}
    for item in esc.opt_seq("rules"):
        event_node = item.req("event_name")
        event = event_node.text()
        if event not in kpis:
            event_node.fail(f"names no KPI event of {vdu_id}: {event!r}")
        if event in rules:
            item.fail(f"second rule for event {event!r}")
        actions_node = item.req("actions")
        actions = actions_node.seq()
        if not actions:
            actions_node.fail("must hold at least one action")
        rules[event] = Rule(
            event,
            tuple(a.matching(_RULE_ACTION, "'<ALWAYS|TRUE|FALSE> <action>'") for a in actions),
        )

    config: list[ConfigFile] = []
    for item in esc.opt_seq("config_data"):
        file_node, data_node = item.get("file"), item.get("data")
        if (file_node is None) == (data_node is None):
            item.fail("needs exactly one of file (a URL) and data (an inline template)")
        config.append(
            ConfigFile(
                dst=item.req("dst").text(),
                file=None if file_node is None else file_node.text(),
                data=None if data_node is None else data_node.text(),
            )
        )
    return EscVdu(kpis=tuple(kpis.values()), rules=tuple(rules.values()), config_data=tuple(config))


# -- policies ---------------------------------------------------------------------------


def _apply_policies(template: Node, flavour: DeploymentFlavour) -> DeploymentFlavour:
    """Resolve the five policy types, in dependency order, into a complete flavour."""
    by_type: dict[str, list[tuple[str, Node]]] = {policy_type: [] for policy_type in POLICY_TYPES}
    names: set[str] = set()
    policies = template.get("policies")
    for item in [] if policies is None else policies.seq():
        name, body = item.single_entry()
        if name in names:
            item.fail(f"duplicate policy name {name!r}")
        names.add(name)
        type_node = body.req("type")
        policy_type = type_node.text()
        if policy_type not in by_type:
            type_node.fail(
                f"unsupported policy type {policy_type!r}; supported: {', '.join(POLICY_TYPES)}"
            )
        by_type[policy_type].append((name, body))

    vdus = flavour.vdus
    aspects = _aspects(by_type[SCALING_ASPECTS], by_type[ASPECT_DELTAS], vdus)
    flavour = dataclasses.replace(
        flavour,
        scaling_aspects=_frozen(aspects),
        initial_deltas=_frozen(_initial_deltas(by_type[INITIAL_DELTA], vdus)),
    )
    _check_reachable_counts(flavour, template if policies is None else policies)
    levels, default_level_id = _levels(by_type[LEVELS], by_type[VDU_LEVELS], flavour)
    return dataclasses.replace(
        flavour, instantiation_levels=_frozen(levels), default_level_id=default_level_id
    )


def _targets(body: Node, vdus: Mapping[str, Vdu]) -> list[tuple[str, Node]]:
    """The VDUs a policy applies to (our subset: VDU node templates only)."""
    targets = body.req("targets").seq()
    if not targets:
        body.req("targets").fail("must name at least one VDU")
    for target in targets:
        if target.text() not in vdus:
            target.fail(f"names no VDU of this flavour: {target.value!r}")
    return [(target.text(), target) for target in targets]


def _aspects(
    aspect_policies: list[tuple[str, Node]],
    delta_policies: list[tuple[str, Node]],
    vdus: Mapping[str, Vdu],
) -> dict[str, ScalingAspect]:
    declared: dict[str, tuple[Node, int, tuple[str, ...]]] = {}
    for _, body in aspect_policies:
        for aspect_id, aspect in body.req("properties").req("aspects").items():
            if aspect_id in declared:
                aspect.fail(f"duplicate scaling aspect {aspect_id!r}")
            max_level = aspect.req("max_scale_level").integer(1)
            steps_node = aspect.req("step_deltas")
            steps = steps_node.texts()
            if len(steps) not in (1, max_level):
                steps_node.fail(
                    f"must list one delta for every step or a single delta for all steps; "
                    f"got {len(steps)} for max_scale_level {max_level}"
                )
            declared[aspect_id] = (aspect, max_level, steps)

    vdu_deltas: dict[str, dict[str, Mapping[str, int]]] = {aspect_id: {} for aspect_id in declared}
    for _, body in delta_policies:
        props = body.req("properties")
        aspect_node = props.req("aspect")
        aspect_id = aspect_node.text()
        if aspect_id not in declared:
            aspect_node.fail(f"names no scaling aspect: {aspect_id!r}")
        steps = declared[aspect_id][2]
        deltas_node = props.req("deltas")
        deltas: dict[str, int] = {}
        for delta_id, delta in deltas_node.items():
            if delta_id not in steps:
                delta.fail(f"is not a step delta of aspect {aspect_id!r} (those are {list(steps)})")
            deltas[delta_id] = delta.req("number_of_instances").integer(0)
        missing = sorted(set(steps) - set(deltas))
        if missing:
            deltas_node.fail(f"missing delta(s) {missing} of aspect {aspect_id!r}")
        for vdu_id, target in _targets(body, vdus):
            if vdu_id in vdu_deltas[aspect_id]:
                target.fail(f"{vdu_id} already has deltas for aspect {aspect_id!r}")
            vdu_deltas[aspect_id][vdu_id] = _frozen(deltas)

    return {
        aspect_id: ScalingAspect(
            aspect_id=aspect_id,
            name=aspect.opt_text("name", aspect_id),
            description=aspect.opt_text("description"),
            max_scale_level=max_level,
            step_deltas=steps,
            vdu_deltas=_frozen(vdu_deltas[aspect_id]),
        )
        for aspect_id, (aspect, max_level, steps) in declared.items()
    }


def _initial_deltas(policies: list[tuple[str, Node]], vdus: Mapping[str, Vdu]) -> dict[str, int]:
    """Instances at scale level 0; a VDU without VduInitialDelta starts at its minimum."""
    initial: dict[str, int] = {}
    for _, body in policies:
        count_node = body.req("properties").req("initial_delta").req("number_of_instances")
        count = count_node.integer(0)
        for vdu_id, target in _targets(body, vdus):
            if vdu_id in initial:
                target.fail(f"{vdu_id} already has an initial delta")
            vdu = vdus[vdu_id]
            if not vdu.min_instances <= count <= vdu.max_instances:
                count_node.fail(
                    f"{count} instances of {vdu_id} is outside its vdu_profile "
                    f"[{vdu.min_instances}, {vdu.max_instances}]"
                )
            initial[vdu_id] = count
    return {vdu_id: initial.get(vdu_id, vdu.min_instances) for vdu_id, vdu in vdus.items()}


def _check_reachable_counts(flavour: DeploymentFlavour, where: Node) -> None:
    """Every aspect at its max level must keep every VDU within its profile.

    Deltas only add instances, so this one check makes every reachable scale
    state valid, and the scale rules need only check the aspect's own bounds.
    """
    top = {aspect_id: a.max_scale_level for aspect_id, a in flavour.scaling_aspects.items()}
    for vdu_id, count in instances_for_scale_levels(flavour, top).items():
        limit = flavour.vdus[vdu_id].max_instances
        if count > limit:
            where.fail(
                f"{vdu_id} reaches {count} instances with every aspect at its max_scale_level, "
                f"above its max_number_of_instances {limit}"
            )


def _levels(
    level_policies: list[tuple[str, Node]],
    vdu_level_policies: list[tuple[str, Node]],
    flavour: DeploymentFlavour,
) -> tuple[dict[str, InstantiationLevel], str | None]:
    if len(level_policies) > 1:
        level_policies[1][1].fail("a flavour has at most one InstantiationLevels policy")
    declared: dict[str, tuple[Node, dict[str, int]]] = {}
    default_level_id: str | None = None
    if level_policies:
        props = level_policies[0][1].req("properties")
        for level_id, level in props.req("levels").items():
            declared[level_id] = (level, _scale_info(level, flavour))
        default_node = props.get("default_level")
        if default_node is not None:
            default_level_id = default_node.text()
            if default_level_id not in declared:
                default_node.fail(f"names no instantiation level: {default_level_id!r}")
        elif len(declared) == 1:
            default_level_id = next(iter(declared))
        elif declared:
            props.fail("missing default_level (required when there are several levels)")

    counts = {
        level_id: dict(instances_for_scale_levels(flavour, scale))
        for level_id, (_, scale) in declared.items()
    }
    scaled_vdus = {vdu_id for a in flavour.scaling_aspects.values() for vdu_id in a.vdu_deltas}
    seen: set[tuple[str, str]] = set()
    for _, body in vdu_level_policies:
        for level_id, level in body.req("properties").req("levels").items():
            if level_id not in declared:
                level.fail(f"names no instantiation level: {level_id!r}")
            count_node = level.req("number_of_instances")
            count = count_node.integer(0)
            for vdu_id, target in _targets(body, flavour.vdus):
                if (level_id, vdu_id) in seen:
                    target.fail(f"{vdu_id} already has a count for level {level_id!r}")
                seen.add((level_id, vdu_id))
                from_scale = counts[level_id][vdu_id]
                if vdu_id in scaled_vdus and count != from_scale:
                    count_node.fail(
                        f"{count} instances of {vdu_id} at level {level_id!r} disagrees with "
                        f"the level's scale_info, which gives {from_scale}"
                    )
                vdu = flavour.vdus[vdu_id]
                if not vdu.min_instances <= count <= vdu.max_instances:
                    count_node.fail(
                        f"{count} instances of {vdu_id} is outside its vdu_profile "
                        f"[{vdu.min_instances}, {vdu.max_instances}]"
                    )
                counts[level_id][vdu_id] = count

    levels = {
        level_id: InstantiationLevel(
            level_id=level_id,
            description=level.opt_text("description"),
            vdu_instances=_frozen(counts[level_id]),
            scale_levels=_frozen(scale),
        )
        for level_id, (level, scale) in declared.items()
    }
    return levels, default_level_id


def _scale_info(level: Node, flavour: DeploymentFlavour) -> dict[str, int]:
    """The level's scale level for every aspect; aspects it leaves out are at 0."""
    scale = dict.fromkeys(flavour.scaling_aspects, 0)
    info = level.get("scale_info")
    for aspect_id, entry in [] if info is None else info.items():
        aspect = flavour.scaling_aspects.get(aspect_id)
        if aspect is None:
            entry.fail(f"names no scaling aspect: {aspect_id!r}")
        level_node = entry.req("scale_level")
        value = level_node.integer(0)
        if value > aspect.max_scale_level:
            level_node.fail(
                f"scale_level {value} is above max_scale_level {aspect.max_scale_level} "
                f"of aspect {aspect_id!r}"
            )
        scale[aspect_id] = value
    return scale
