"""The in-memory shape of a parsed VNF descriptor.

Every class here is a frozen dataclass: a descriptor is read once (by
``vnfm.vnfd.parser``) and then shared by every operation that uses it, so nothing
downstream may change it.  Mapping fields hold read-only ``MappingProxyType`` views
for the same reason; they compare by content, so two descriptors parsed from the
same text are equal.  (They are not hashable: use ``vnfd_id`` as the key.)

Names follow ETSI SOL001 where SOL001 has one (``vdu_profile`` becomes
``min_instances``/``max_instances``, ``scale_info`` becomes ``scale_levels`` ...);
the ``Esc*`` classes hold our ESC extension (``vnfm_esc`` blocks, see README.md),
whose field names are those of Cisco ESC's ``esc_datamodel``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class MetricCollector:
    """How ESC measures a KPI (``<metric_collector>`` in an ESC ``<kpi>``)."""

    type: str  # e.g. "ICMPPing"
    nicid: int  # which interface (VduCp order) the collector polls
    poll_frequency: int
    polling_unit: str  # "seconds" or "minutes"
    continuous_alarm: bool


@dataclass(frozen=True)
class Kpi:
    """One ESC KPI: a metric whose outcome fires ``event_name`` (e.g. VM_ALIVE)."""

    event_name: str
    metric_value: int
    metric_cond: str  # GT, GE, LT, LE or EQ
    metric_type: str  # e.g. "UINT32"
    collector: MetricCollector


@dataclass(frozen=True)
class Rule:
    """Actions ESC runs when ``event_name`` fires.

    E.g. ``("ALWAYS log", "TRUE servicebooted.sh", "FALSE recover autohealing")``.
    Each action is "<ALWAYS|TRUE|FALSE> <action name>": the first word says on which
    outcome of the KPI the action runs.
    """

    event_name: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class ConfigFile:
    """One ``<configuration>`` entry of ESC ``<config_data>``: a file put on the VM.

    Exactly one of ``file`` (a URL ESC fetches) and ``data`` (an inline template) is set.
    """

    dst: str
    file: str | None = None
    data: str | None = None


@dataclass(frozen=True)
class EscVdu:
    """ESC monitoring of one VDU: KPIs, the rules reacting to them, day-0 config files."""

    kpis: tuple[Kpi, ...] = ()
    rules: tuple[Rule, ...] = ()
    config_data: tuple[ConfigFile, ...] = ()


@dataclass(frozen=True)
class EscVnf:
    """VNF-wide ESC settings: which monitoring agent watches the VNF (seed 003).

    ``monitoring_agent_key`` is the key under which the agent reference is stored
    for a VNF instance (the ``key`` of a monitoring migration request);
    ``monitoring_agent`` is the agent used when instantiation names none, e.g.
    ``dmona://mona1`` or ``dmonaName://local_mona`` (ESC's own, central MONA).
    """

    monitoring_agent_key: str | None = None
    monitoring_agent: str | None = None


@dataclass(frozen=True)
class VirtualCompute:
    """Resources of one VDU instance, and the ESC (OpenStack) flavor providing them."""

    num_vcpus: int
    memory_mb: int
    root_disk_gb: int
    esc_flavor: str


@dataclass(frozen=True)
class SwImage:
    """The software image of a VDU, and the image name ESC deploys it from."""

    name: str
    version: str
    esc_image: str
    container_format: str
    disk_format: str


@dataclass(frozen=True)
class VduCp:
    """A connection point of a VDU.

    ``virtual_link_id`` names the internal virtual link it binds to; ``None`` means
    the CP is external: the NFVO connects it with ``extVirtualLinks`` (its ``cpdId``
    is ``cp_id``).  ``order`` is the NIC index (ESC ``nicid``).
    """

    cp_id: str
    vdu_id: str
    order: int
    virtual_link_id: str | None
    description: str = ""

    @property
    def is_external(self) -> bool:
        return self.virtual_link_id is None


@dataclass(frozen=True)
class Vdu:
    """A virtualisation deployment unit: one kind of VM (an ESC ``vm_group``)."""

    vdu_id: str
    name: str
    description: str
    compute: VirtualCompute
    image: SwImage
    bootup_time: int  # seconds ESC waits for the VM to come alive
    recovery_wait_time: int  # seconds ESC waits before recovering a dead VM
    min_instances: int
    max_instances: int
    cps: tuple[VduCp, ...]  # in NIC order
    esc: EscVdu = EscVdu()


@dataclass(frozen=True)
class VirtualLink:
    """An internal virtual link of a flavour (``tosca.nodes.nfv.VnfVirtualLink``)."""

    vl_id: str
    description: str
    layer_protocols: tuple[str, ...]


@dataclass(frozen=True)
class ScalingAspect:
    """A scaling aspect and, per VDU, how many instances each of its deltas adds.

    ``step_deltas`` holds one delta id per scale step (step 1 first) or a single id
    used for every step.  ``vdu_deltas[vdu_id][delta_id]`` is that VDU's
    ``number_of_instances`` for the delta; VDUs the aspect does not scale are absent.
    """

    aspect_id: str
    name: str
    description: str
    max_scale_level: int
    step_deltas: tuple[str, ...]
    vdu_deltas: Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class InstantiationLevel:
    """A named size of the VNF: instances of every VDU and the scale level of every aspect.

    Both mappings are complete (every VDU, every aspect of the flavour), already
    resolved by the parser from the InstantiationLevels, VduInstantiationLevels,
    VduInitialDelta and VduScalingAspectDeltas policies.
    """

    level_id: str
    description: str
    vdu_instances: Mapping[str, int]
    scale_levels: Mapping[str, int]


@dataclass(frozen=True)
class DeploymentFlavour:
    """One deployment flavour (one SOL001 topology template)."""

    flavour_id: str
    description: str
    vdus: Mapping[str, Vdu]
    virtual_links: Mapping[str, VirtualLink]
    ext_cps: tuple[str, ...]  # ids of the VduCps with no internal virtual link
    scaling_aspects: Mapping[str, ScalingAspect]
    initial_deltas: Mapping[str, int]  # every VDU: instances at scale level 0
    instantiation_levels: Mapping[str, InstantiationLevel]
    default_level_id: str | None


@dataclass(frozen=True)
class Vnfd:
    """A VNF descriptor: the product it describes and its deployment flavours."""

    vnfd_id: str
    provider: str
    product_name: str
    software_version: str
    vnfd_version: str
    product_info_name: str
    product_info_description: str
    vnfm_info: tuple[str, ...]
    flavours: Mapping[str, DeploymentFlavour]
    esc: EscVnf = EscVnf()
