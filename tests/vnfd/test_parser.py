"""parse_vnfd: what a valid descriptor becomes, and how each invalid one is reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.vnfd.builders import CIRROS, LB_WORKER, nodes, policy, sample_doc, to_text
from vnfm.vnfd import safeyaml
from vnfm.vnfd.catalog import SAMPLES_DIR
from vnfm.vnfd.errors import VnfdError
from vnfm.vnfd.parser import parse_vnfd
from vnfm.vnfd.safeyaml import MAX_CHARS, MAX_EXPANDED_NODES

TT = "topology_template"
NT = f"{TT}.node_templates"


def parse_sample(name: str) -> Any:
    return parse_vnfd((SAMPLES_DIR / name).read_text(encoding="utf-8"), name)


# -- what the samples become ------------------------------------------------------------


def test_cirros_sample_has_two_flavours_differing_in_esc_flavor() -> None:
    vnfd = parse_sample(CIRROS)
    assert vnfd.vnfd_id == "11111111-1111-4111-8111-111111111111"
    assert (vnfd.provider, vnfd.product_name, vnfd.software_version) == (
        "vnfm-samples",
        "Cirros",
        "1.0",
    )
    assert list(vnfd.flavours) == ["simple", "large"]
    simple = vnfd.flavours["simple"].vdus["VDU1"]
    large = vnfd.flavours["large"].vdus["VDU1"]
    assert simple.compute.esc_flavor == "SolTest-Cirros-Flavor"
    assert large.compute.esc_flavor == "SolTest-Cirros-Flavor-v2"
    assert (simple.compute.num_vcpus, simple.compute.memory_mb, simple.compute.root_disk_gb) == (
        1,
        512,
        1,
    )
    assert (large.compute.num_vcpus, large.compute.memory_mb, large.compute.root_disk_gb) == (
        2,
        1024,
        2,
    )


def test_cirros_sample_carries_the_esc_deployment_of_seed_002() -> None:
    vnfd = parse_sample(CIRROS)
    flavour = vnfd.flavours["simple"]
    vdu = flavour.vdus["VDU1"]
    assert vdu.image.esc_image == "SolTest-Cirros-Image"
    assert (vdu.bootup_time, vdu.recovery_wait_time) == (60, 0)
    assert (vdu.min_instances, vdu.max_instances) == (1, 1)
    [kpi] = vdu.esc.kpis
    assert (kpi.event_name, kpi.metric_cond, kpi.metric_type) == ("VM_ALIVE", "GT", "UINT32")
    assert kpi.collector.type == "ICMPPing"
    assert (kpi.collector.poll_frequency, kpi.collector.polling_unit) == (3, "seconds")
    assert kpi.collector.continuous_alarm is False
    [rule] = vdu.esc.rules
    assert rule.actions == ("ALWAYS log", "TRUE servicebooted.sh", "FALSE recover autohealing")
    [cp] = vdu.cps
    assert cp.is_external and cp.order == 0
    assert flavour.ext_cps == ("VDU1_CP_MGMT",)
    assert vnfd.esc.monitoring_agent_key == "MONITORING_AGENT"
    assert vnfd.esc.monitoring_agent == "dmona://mona1"


def test_cirros_2_is_a_newer_package_of_the_same_product() -> None:
    old, new = parse_sample(CIRROS), parse_sample("cirros_2_0.yaml")
    assert (new.provider, new.product_name) == (old.provider, old.product_name)
    assert new.vnfd_id != old.vnfd_id
    assert new.software_version > old.software_version
    assert list(new.flavours) == list(old.flavours)
    old_image = old.flavours["simple"].vdus["VDU1"].image
    new_image = new.flavours["simple"].vdus["VDU1"].image
    assert new_image.esc_image != old_image.esc_image
    assert new.esc.monitoring_agent == "dmonaName://local_mona"


def test_lb_worker_sample_resolves_levels_links_and_config() -> None:
    vnfd = parse_sample(LB_WORKER)
    flavour = vnfd.flavours["default"]
    assert set(flavour.vdus) == {"LB", "WORKER"}
    assert [cp.cp_id for cp in flavour.vdus["LB"].cps] == [
        "LB_CP_MGMT",
        "LB_CP_PUBLIC",
        "LB_CP_INTERNAL",
    ]
    assert flavour.ext_cps == ("LB_CP_MGMT", "LB_CP_PUBLIC")
    assert flavour.vdus["WORKER"].cps[0].virtual_link_id == "INTERNAL_VL"
    assert flavour.virtual_links["INTERNAL_VL"].layer_protocols == ("ipv4",)
    aspect = flavour.scaling_aspects["workers"]
    assert aspect.max_scale_level == 3
    assert dict(aspect.vdu_deltas) == {"WORKER": {"delta_1": 1}}
    assert flavour.default_level_id == "small"
    assert dict(flavour.instantiation_levels["large"].vdu_instances) == {"LB": 2, "WORKER": 3}
    assert dict(flavour.instantiation_levels["large"].scale_levels) == {"workers": 2}
    lb_config, worker_config = (flavour.vdus[v].esc.config_data[0] for v in ("LB", "WORKER"))
    assert lb_config.file is not None and lb_config.data is None
    assert worker_config.data is not None and worker_config.data.startswith("#cloud-config")


def test_parsing_twice_gives_equal_immutable_descriptors() -> None:
    first, second = parse_sample(LB_WORKER), parse_sample(LB_WORKER)
    assert first == second
    with pytest.raises(TypeError):
        first.flavours["default"].vdus["LB"] = first.flavours["default"].vdus["WORKER"]  # type: ignore[index]


def test_a_vdu_without_initial_delta_starts_at_its_minimum() -> None:
    doc = sample_doc(LB_WORKER)
    doc[TT]["policies"] = [p for p in doc[TT]["policies"] if "LB_initial_delta" not in p]
    flavour = parse_vnfd(to_text(doc)).flavours["default"]
    assert flavour.initial_deltas["LB"] == 1


def test_ordinary_yaml_aliases_are_expanded() -> None:
    text = (SAMPLES_DIR / LB_WORKER).read_text(encoding="utf-8")
    text = text.replace("\ntopology_template:", "\ndsl_definitions:\n  proto: &proto ipv4\n"
                        "\ntopology_template:", 1).replace("[ipv4]", "[*proto]")
    assert "*proto" in text
    flavour = parse_vnfd(text).flavours["default"]
    assert flavour.virtual_links["INTERNAL_VL"].layer_protocols == ("ipv4",)


# -- whole-document problems -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a: [1, 2\n", "not valid YAML"),
        ("", "empty document"),
        ("- 1\n- 2\n", "must be a mapping"),
        ("a: 1\n---\nb: 2\n", "not valid YAML"),
        ("x: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
        ("tosca_definitions_version: tosca_simple_yaml_1_0\n", "must be one of"),
        ("tosca_definitions_version: tosca_simple_yaml_1_3\n", "missing topology_template"),
        ("a: 1\nb: 2\na: 3\n", "duplicate key 'a' (line 3)"),
    ],
)
def test_document_level_errors_name_the_source(text: str, reason: str) -> None:
    with pytest.raises(VnfdError) as caught:
        parse_vnfd(text, "bad.yaml")
    assert str(caught.value).startswith("bad.yaml: ")
    assert reason in caught.value.reason


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(VnfdError, match="larger than"):
        parse_vnfd("#" * (MAX_CHARS + 1), "big.yaml")


def test_billion_laughs_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    with pytest.raises(VnfdError) as caught:
        parse_vnfd("\n".join(lines), "lol.yaml")
    assert f"more than {MAX_EXPANDED_NODES} YAML nodes once aliases expand" in caught.value.reason


def test_too_many_nodes_stop_composition(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real limit costs about a second of parsing to reach; a small one shows the rule.
    monkeypatch.setattr(safeyaml, "MAX_NODES", 50)
    with pytest.raises(VnfdError, match="more than 50 YAML nodes"):
        parse_vnfd("[" + "x, " * 60 + "]", "wide.yaml")
    assert safeyaml.load_yaml("[" + "x, " * 40 + "]", "narrow.yaml") == ["x"] * 40


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(VnfdError, match="nested deeper"):
        parse_vnfd("a: &a [*a]\n", "loop.yaml")


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, "{a: " * 1000 + "1" + "}" * 1000, "- " * 1000 + "x"],
    ids=["flow sequences", "flow mappings", "block sequences"],
)
def test_deep_nesting_is_refused(text: str) -> None:
    with pytest.raises(VnfdError, match="nested deeper than 64 levels"):
        parse_vnfd(text, "deep.yaml")


def test_duplicate_node_template_is_refused_not_overwritten() -> None:
    text = to_text(sample_doc(LB_WORKER))
    vl = "    INTERNAL_VL:\n      type: tosca.nodes.nfv.VnfVirtualLink\n"
    duplicated = text.replace(vl, vl.replace("INTERNAL_VL", "LB"), 1)
    with pytest.raises(VnfdError) as caught:
        parse_vnfd(duplicated, "dup.yaml")
    assert caught.value.path == NT
    assert "duplicate key 'LB'" in caught.value.reason


# -- element problems: each names the path of the offending element ----------------------

Mutation = Callable[[dict[str, Any]], None]


def _drop_virtual_memory(doc: dict[str, Any]) -> None:
    del nodes(doc)["LB"]["capabilities"]["virtual_compute"]["properties"]["virtual_memory"]


def _set(path: str, value: object) -> Mutation:
    """Set a dotted path (list indexes as integers) below topology_template."""

    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc[TT]
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value

    return mutate


def _policy_set(name: str, path: str, value: object) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = policy(doc, name)
        for key in parents:
            target = target[key]
        target[last] = value

    return mutate


def _add_policy(name: str, body: dict[str, Any]) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        doc[TT]["policies"].append({name: body})

    return mutate


def _add_node(name: str, body: dict[str, Any]) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        nodes(doc)[name] = body

    return mutate


def _both_template_forms(doc: dict[str, Any]) -> None:
    doc["topology_templates"] = [doc[TT]]


LB_PROPS = f"{NT}.LB.properties"
LB_ESC = f"{LB_PROPS}.vnfm_esc"
VNF_PROPS = f"{NT}.VNF.properties"
POLICIES = f"{TT}.policies"

ELEMENT_ERRORS: list[tuple[str, Mutation, str, str]] = [
    (
        "missing virtual_memory",
        _drop_virtual_memory,
        f"{NT}.LB.capabilities.virtual_compute.properties",
        "missing virtual_memory",
    ),
    (
        "memory not a size",
        _set("node_templates.LB.capabilities.virtual_compute.properties.virtual_memory",
             {"virtual_mem_size": "lots"}),
        f"{NT}.LB.capabilities.virtual_compute.properties.virtual_memory.virtual_mem_size",
        "must be a size",
    ),
    (
        "vcpus zero",
        _set("node_templates.LB.capabilities.virtual_compute.properties.virtual_cpu",
             {"num_virtual_cpu": 0}),
        f"{NT}.LB.capabilities.virtual_compute.properties.virtual_cpu.num_virtual_cpu",
        "must be an integer >= 1",
    ),
    (
        "min above max",
        _set("node_templates.LB.properties.vdu_profile",
             {"min_number_of_instances": 3, "max_number_of_instances": 2}),
        f"{LB_PROPS}.vdu_profile",
        "min_number_of_instances 3 > max_number_of_instances 2",
    ),
    (
        "unquoted version",
        _set("node_templates.VNF.properties.software_version", 1.0),
        f"{VNF_PROPS}.software_version",
        "quote numbers",
    ),
    (
        "vnfdId with a slash",
        _set("node_templates.VNF.properties.descriptor_id", "../etc/passwd"),
        f"{VNF_PROPS}.descriptor_id",
        "letters, digits",
    ),
    (
        "unsupported node type",
        _add_node("DISK", {"type": "tosca.nodes.nfv.Vdu.VirtualBlockStorage"}),
        f"{NT}.DISK.type",
        "unsupported node type",
    ),
    (
        "no VNF node",
        lambda doc: nodes(doc).pop("VNF"),
        NT,
        "needs one node template of type tosca.nodes.nfv.VNF, found 0",
    ),
    (
        "both template forms",
        _both_template_forms,
        "",
        "has both topology_template and topology_templates",
    ),
    (
        "substitution flavour disagrees",
        _set("substitution_mappings.properties.flavour_id", "other"),
        f"{TT}.substitution_mappings.properties.flavour_id",
        "flavour_id 'default'",
    ),
    (
        "substitution maps an internal CP",
        _set("substitution_mappings.requirements.virtual_link_public",
             ["WORKER_CP_INTERNAL", "virtual_link"]),
        f"{TT}.substitution_mappings.requirements.virtual_link_public",
        "external VduCp",
    ),
    (
        "CP bound to unknown VDU",
        _set("node_templates.LB_CP_MGMT.requirements", [{"virtual_binding": "NOPE"}]),
        f"{NT}.LB_CP_MGMT.requirements[0].virtual_binding",
        "names no tosca.nodes.nfv.Vdu.Compute node template: 'NOPE'",
    ),
    (
        "CP on unknown link",
        _set("node_templates.LB_CP_INTERNAL.requirements",
             [{"virtual_binding": "LB"}, {"virtual_link": "NOPE_VL"}]),
        f"{NT}.LB_CP_INTERNAL.requirements[1].virtual_link",
        "names no tosca.nodes.nfv.VnfVirtualLink node template",
    ),
    (
        "CP without binding",
        _set("node_templates.LB_CP_MGMT.requirements", []),
        f"{NT}.LB_CP_MGMT",
        "missing requirement virtual_binding",
    ),
    (
        "two CPs with the same order",
        _set("node_templates.LB_CP_PUBLIC.properties.order", 0),
        f"{NT}.LB_CP_PUBLIC",
        "order 0 is already used by LB_CP_MGMT on LB",
    ),
    (
        "KPI on a NIC the VDU lacks",
        lambda doc: nodes(doc)["LB"]["properties"]["vnfm_esc"]["kpi_data"][0][
            "metric_collector"
        ].update(nicid=7),
        f"{LB_ESC}.kpi_data[0].metric_collector.nicid",
        "names no CP of LB",
    ),
    (
        "rule for an unknown KPI event",
        _set("node_templates.LB.properties.vnfm_esc.rules.0.event_name", "VM_DEAD"),
        f"{LB_ESC}.rules[0].event_name",
        "names no KPI event of LB: 'VM_DEAD'",
    ),
    (
        "rule action without condition",
        _set("node_templates.LB.properties.vnfm_esc.rules.0.actions", ["log"]),
        f"{LB_ESC}.rules[0].actions[0]",
        "<ALWAYS|TRUE|FALSE> <action>",
    ),
    (
        "config entry with file and data",
        _set("node_templates.LB.properties.vnfm_esc.config_data.0.data", "x=1"),
        f"{LB_ESC}.config_data[0]",
        "exactly one of file",
    ),
    (
        "ESC block without flavor",
        lambda doc: nodes(doc)["LB"]["properties"]["vnfm_esc"].pop("flavor"),
        LB_ESC,
        "missing flavor",
    ),
    (
        "monitoring agent with an unknown scheme",
        _set("node_templates.VNF.properties.vnfm_esc.monitoring_agent", "http://mona1"),
        f"{VNF_PROPS}.vnfm_esc.monitoring_agent",
        "dmona://<name> or dmonaName://<name>",
    ),
    (
        "monitoring agent without key",
        lambda doc: nodes(doc)["VNF"]["properties"]["vnfm_esc"].pop("monitoring_agent_key"),
        f"{VNF_PROPS}.vnfm_esc",
        "needs a monitoring_agent_key",
    ),
    (
        "unsupported policy type",
        _add_policy("sg", {"type": "tosca.policies.nfv.SecurityGroupRule", "targets": ["LB"]}),
        f"{POLICIES}[7].sg.type",
        "unsupported policy type",
    ),
    (
        "duplicate policy name",
        _add_policy("LB_initial_delta", {"type": "tosca.policies.nfv.VduInitialDelta"}),
        f"{POLICIES}[7]",
        "duplicate policy name 'LB_initial_delta'",
    ),
    (
        "duplicate aspect",
        _add_policy("more_aspects", {
            "type": "tosca.policies.nfv.ScalingAspects",
            "properties": {"aspects": {"workers": {"max_scale_level": 1, "step_deltas": ["d"]}}},
        }),
        f"{POLICIES}[7].more_aspects.properties.aspects.workers",
        "duplicate scaling aspect 'workers'",
    ),
    (
        "step_deltas neither one nor one per step",
        _policy_set("scaling_aspects", "properties.aspects.workers.step_deltas",
                    ["delta_1", "delta_1"]),
        f"{POLICIES}[0].scaling_aspects.properties.aspects.workers.step_deltas",
        "got 2 for max_scale_level 3",
    ),
    (
        "deltas for an unknown aspect",
        _policy_set("WORKER_scaling_deltas", "properties.aspect", "nope"),
        f"{POLICIES}[1].WORKER_scaling_deltas.properties.aspect",
        "names no scaling aspect: 'nope'",
    ),
    (
        "delta naming an unknown VDU",
        _policy_set("WORKER_scaling_deltas", "targets", ["GHOST"]),
        f"{POLICIES}[1].WORKER_scaling_deltas.targets[0]",
        "names no VDU of this flavour: 'GHOST'",
    ),
    (
        "delta not among the aspect's step deltas",
        _policy_set("WORKER_scaling_deltas", "properties.deltas",
                    {"delta_1": {"number_of_instances": 1}, "delta_9": {"number_of_instances": 1}}),
        f"{POLICIES}[1].WORKER_scaling_deltas.properties.deltas.delta_9",
        "is not a step delta of aspect 'workers'",
    ),
    (
        "aspect's step delta left undefined",
        _policy_set("WORKER_scaling_deltas", "properties.deltas", {}),
        f"{POLICIES}[1].WORKER_scaling_deltas.properties.deltas",
        "missing delta(s) ['delta_1']",
    ),
    (
        "max scale level beyond the VDU maximum",
        _policy_set("scaling_aspects", "properties.aspects.workers.max_scale_level", 4),
        POLICIES,
        "WORKER reaches 5 instances with every aspect at its max_scale_level, "
        "above its max_number_of_instances 4",
    ),
    (
        "initial delta outside the profile",
        _policy_set("WORKER_initial_delta", "properties.initial_delta.number_of_instances", 9),
        f"{POLICIES}[3].WORKER_initial_delta.properties.initial_delta.number_of_instances",
        "9 instances of WORKER is outside its vdu_profile [1, 4]",
    ),
    (
        "VDU with two initial deltas",
        _policy_set("WORKER_initial_delta", "targets", ["WORKER", "LB"]),
        f"{POLICIES}[3].WORKER_initial_delta.targets[1]",
        "LB already has an initial delta",
    ),
    (
        "level naming an unknown aspect",
        _policy_set("instantiation_levels", "properties.levels.large.scale_info",
                    {"routers": {"scale_level": 1}}),
        f"{POLICIES}[4].instantiation_levels.properties.levels.large.scale_info.routers",
        "names no scaling aspect: 'routers'",
    ),
    (
        "level above max_scale_level",
        _policy_set("instantiation_levels", "properties.levels.large.scale_info",
                    {"workers": {"scale_level": 4}}),
        f"{POLICIES}[4].instantiation_levels.properties.levels.large.scale_info.workers"
        ".scale_level",
        "scale_level 4 is above max_scale_level 3 of aspect 'workers'",
    ),
    (
        "default level unknown",
        _policy_set("instantiation_levels", "properties.default_level", "huge"),
        f"{POLICIES}[4].instantiation_levels.properties.default_level",
        "names no instantiation level: 'huge'",
    ),
    (
        "several levels, no default",
        lambda doc: policy(doc, "instantiation_levels")["properties"].pop("default_level"),
        f"{POLICIES}[4].instantiation_levels.properties",
        "missing default_level",
    ),
    (
        "VDU level for an unknown level",
        _policy_set("LB_instantiation_levels", "properties.levels.huge",
                    {"number_of_instances": 1}),
        f"{POLICIES}[5].LB_instantiation_levels.properties.levels.huge",
        "names no instantiation level: 'huge'",
    ),
    (
        "VDU level count disagreeing with scale_info",
        _policy_set("WORKER_instantiation_levels", "properties.levels.large.number_of_instances",
                    4),
        f"{POLICIES}[6].WORKER_instantiation_levels.properties.levels.large.number_of_instances",
        "4 instances of WORKER at level 'large' disagrees with the level's scale_info, "
        "which gives 3",
    ),
    (
        "VDU level count outside the profile",
        _policy_set("LB_instantiation_levels", "properties.levels.large.number_of_instances", 3),
        f"{POLICIES}[5].LB_instantiation_levels.properties.levels.large.number_of_instances",
        "3 instances of LB is outside its vdu_profile [1, 2]",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path", "reason"),
    [case[1:] for case in ELEMENT_ERRORS],
    ids=[case[0] for case in ELEMENT_ERRORS],
)
def test_element_errors_name_source_and_path(mutate: Mutation, path: str, reason: str) -> None:
    doc = sample_doc(LB_WORKER)
    mutate(doc)
    with pytest.raises(VnfdError) as caught:
        parse_vnfd(to_text(doc), "lb.yaml")
    error = caught.value
    assert (error.source, error.path) == ("lb.yaml", path)
    assert reason in error.reason
    where = f"lb.yaml: {path}" if path else "lb.yaml"
    assert str(error) == f"{where}: {error.reason}"


# -- several flavours in one file -----------------------------------------------------------


def test_flavour_ids_must_be_unique() -> None:
    doc = sample_doc(CIRROS)
    doc["topology_templates"][1]["node_templates"]["VNF"]["properties"]["flavour_id"] = "simple"
    doc["topology_templates"][1]["substitution_mappings"]["properties"]["flavour_id"] = "simple"
    with pytest.raises(VnfdError) as caught:
        parse_vnfd(to_text(doc), "cirros.yaml")
    assert caught.value.path == "topology_templates[1]"
    assert "duplicate flavour_id 'simple'" in caught.value.reason


def test_flavours_must_describe_the_same_vnf() -> None:
    doc = sample_doc(CIRROS)
    doc["topology_templates"][1]["node_templates"]["VNF"]["properties"]["provider"] = "Someone"
    with pytest.raises(VnfdError) as caught:
        parse_vnfd(to_text(doc), "cirros.yaml")
    assert caught.value.path == "topology_templates[1]"
    assert "VNF property provider is 'Someone' here but 'vnfm-samples'" in caught.value.reason


def test_an_empty_list_of_templates_is_refused() -> None:
    doc = sample_doc(CIRROS)
    doc["topology_templates"] = []
    with pytest.raises(VnfdError, match="at least one topology template"):
        parse_vnfd(to_text(doc), "cirros.yaml")


def test_binary_size_units_are_read_like_decimal_ones() -> None:
    doc = sample_doc(LB_WORKER)
    props = nodes(doc)["LB"]["capabilities"]["virtual_compute"]["properties"]
    props["virtual_memory"]["virtual_mem_size"] = "1.5 GiB"
    props["virtual_local_storage"] = [{"size_of_storage": "2048 MB"}]
    compute = parse_vnfd(to_text(doc)).flavours["default"].vdus["LB"].compute
    assert (compute.memory_mb, compute.root_disk_gb) == (1536, 2)


def test_root_disk_must_be_whole_gb() -> None:
    doc = sample_doc(LB_WORKER)
    props = nodes(doc)["LB"]["capabilities"]["virtual_compute"]["properties"]
    props["virtual_local_storage"] = [{"size_of_storage": "1500 MB"}]
    with pytest.raises(VnfdError, match="must be whole GB"):
        parse_vnfd(to_text(doc))
