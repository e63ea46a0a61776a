"""esc_datamodel XML: building, reading back, and refusing what is broken or hostile."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vnfm.southbound.esc.datamodel import build_datamodel, parse_datamodel
from vnfm.southbound.esc.safexml import MAX_DEPTH, XmlError, parse
from vnfm.southbound.types import (
    ConfigFileSpec,
    DeploymentSpec,
    InterfaceSpec,
    KpiSpec,
    RuleSpec,
    ScalingSpec,
    VmGroupSpec,
)

FULL = DeploymentSpec(
    tenant="admin",
    name="Cirros-VNF",
    vm_groups=(
        VmGroupSpec(
            name="SolTest-Cirros-VM-Group",
            image="SolTest-Cirros-Image",
            flavor="SolTest-Cirros-Flavor-v2",
            bootup_time=60,
            recovery_wait_time=5,
            interfaces=(InterfaceSpec(0, "SolTest-Network"), InterfaceSpec(1, "oam", "10.1.1.4")),
            scaling=ScalingSpec(1, 3, elastic=False),
            kpis=(KpiSpec("VM_ALIVE", poll_frequency=3, continuous_alarm=True),),
            rules=(RuleSpec("VM_ALIVE", ('"ALWAYS log"', '"FALSE recover autohealing"')),),
            config_data=(
                ConfigFileSpec("--user-data", file="file:///opt/day0.tpl",
                               variables={"HOSTNAME": "vnf1", "DOMAIN": "example.net"}),
                ConfigFileSpec("motd", data="welcome <b>&</b>"),
            ),
            monitoring_agent={"monitoring_agent_key": "dmona://mona1"},
        ),
        VmGroupSpec(name="g2", image="i", flavor="f"),
    ),
)


def test_full_spec_round_trips() -> None:
    assert parse_datamodel(build_datamodel(FULL)) == FULL


def test_document_has_escs_layout() -> None:
    root = parse(build_datamodel(FULL))
    assert root.tag == "{http://www.cisco.com/esc/esc}esc_datamodel"
    ns = "{http://www.cisco.com/esc/esc}"
    group = root.find(f"{ns}tenants/{ns}tenant/{ns}deployments/{ns}deployment/{ns}vm_group")
    assert group is not None
    assert group.findtext(f"{ns}flavor") == "SolTest-Cirros-Flavor-v2"
    assert group.findtext(f"{ns}scaling/{ns}min_active") == "1"
    assert group.findtext(f"{ns}kpi_data/{ns}kpi/{ns}metric_collector/{ns}type") == "ICMPPing"
    assert group.findtext(f"{ns}monitoring_agent/{ns}value") == "dmona://mona1"


def test_a_seed_style_document_without_namespace_parses_with_defaults() -> None:
    doc = b"""<?xml version="1.0" encoding="UTF-8"?>
    <esc_datamodel><tenants><tenant><name>admin</name><deployments><deployment>
      <name>Cirros-VNF</name>
      <vm_group>
        <name>SolTest-Cirros-VM-Group</name>
        <bootup_time>60</bootup_time>
        <recovery_wait_time>0</recovery_wait_time>
        <image>SolTest-Cirros-Image</image>
        <flavor>SolTest-Cirros-Flavor-v2</flavor>
        <interfaces><interface><nicid>0</nicid><network>SolTest-Network</network></interface>
        </interfaces>
        <scaling><min_active>1</min_active><max_active>1</max_active><elastic>true</elastic>
        </scaling>
        <rules><admin_rules><rule><event_name>VM_ALIVE</event_name>
          <action>"ALWAYS log"</action><action>"TRUE servicebooted.sh"</action>
        </rule></admin_rules></rules>
        <config_data/>
      </vm_group>
    </deployment></deployments></tenant></tenants></esc_datamodel>"""
    spec = parse_datamodel(doc)
    [group] = spec.vm_groups
    assert (spec.tenant, spec.name, group.flavor) == ("admin", "Cirros-VNF",
                                                      "SolTest-Cirros-Flavor-v2")
    assert group.rules[0].actions == ('"ALWAYS log"', '"TRUE servicebooted.sh"')
    assert group.interfaces == (InterfaceSpec(0, "SolTest-Network"),)
    assert group.monitoring_agent == {}


def _doc(group_body: str, tenants: str | None = None) -> bytes:
    inner = tenants or (
        "<tenant><name>t</name><deployments><deployment><name>d</name>"
        f"{group_body}</deployment></deployments></tenant>"
    )
    return f"<esc_datamodel><tenants>{inner}</tenants></esc_datamodel>".encode()


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        (_doc("<vm_group><name>g</name><flavor>f</flavor></vm_group>"), "<image>"),
        (_doc(""), "at least one"),
        (_doc("<vm_group><name>g</name><image>i</image><flavor>f</flavor></vm_group>"
              "<vm_group><name>g</name><image>i</image><flavor>f</flavor></vm_group>"),
         "unique"),
        (_doc("<vm_group><name>g</name><image>i</image><flavor>f</flavor>"
              "<bootup_time>soon</bootup_time></vm_group>"), "integer"),
        (_doc("<vm_group><name>g</name><image>i</image><flavor>f</flavor>"
              "<scaling><elastic>maybe</elastic></scaling></vm_group>"), "boolean"),
        (_doc("", tenants="<tenant><name>a</name></tenant><tenant><name>b</name></tenant>"),
         "one <tenant>"),
        (b"<deployments/>", "esc_datamodel"),
    ],
)
def test_incomplete_or_wrong_documents_are_refused(doc: bytes, fragment: str) -> None:
    with pytest.raises(XmlError) as err:
        parse_datamodel(doc)
    assert fragment in err.value.message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<esc_datamodel>&lol3;</esc_datamodel>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<esc_datamodel>&x;</esc_datamodel>"""
DTD_ONLY = b'<?xml version="1.0"?><!DOCTYPE esc_datamodel SYSTEM "http://127.0.0.1:9/x.dtd">' \
           b"<esc_datamodel/>"


@pytest.mark.parametrize(
    "doc",
    [
        BILLION_LAUGHS,
        XXE,
        DTD_ONLY,
        b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1),
        b"<esc_datamodel>" + b"x" * (1024 * 1024) + b"</esc_datamodel>",
        b"",
        b"   ",
        b"<esc_datamodel><tenants>",
        b"<esc_datamodel></tenants>",
        b"\x00\x01\x02",
        "<esc_datamodel>caf\u00e9</esc_datamodel>".encode("utf-16"),
    ],
    ids=["billion-laughs", "xxe", "dtd", "deep", "huge", "empty", "blank", "truncated",
         "mismatched", "binary", "utf16-garbage"],
)
def test_hostile_or_broken_xml_is_one_clear_error(doc: bytes) -> None:
    with pytest.raises(XmlError):
        parse_datamodel(doc)


names = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x2FF,
                           blacklist_categories=("Cs",)),
    min_size=1, max_size=20,
).filter(lambda s: s.strip() == s)


@st.composite
def specs(draw: st.DrawFn) -> DeploymentSpec:
    group_names = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    groups = []
    for name in group_names:
        lo = draw(st.integers(0, 5))
        groups.append(VmGroupSpec(
            name=name,
            image=draw(names),
            flavor=draw(names),
            bootup_time=draw(st.integers(0, 10_000)),
            interfaces=tuple(InterfaceSpec(i, draw(names), draw(st.none() | st.just("10.0.0.1")))
                             for i in range(draw(st.integers(0, 3)))),
            scaling=ScalingSpec(lo, lo + draw(st.integers(0, 5)), draw(st.booleans())),
            rules=tuple(RuleSpec(draw(names), tuple(draw(st.lists(names, max_size=3))))
                        for _ in range(draw(st.integers(0, 2)))),
            monitoring_agent=draw(st.dictionaries(names, names, max_size=2)),
        ))
    return DeploymentSpec(tenant=draw(names), name=draw(names), vm_groups=tuple(groups))


@settings(max_examples=60, deadline=None)
@given(specs())
def test_any_spec_round_trips(spec: DeploymentSpec) -> None:
    assert parse_datamodel(build_datamodel(spec)) == spec
