"""Catalog: bundled samples, an operator's directory, and adding a descriptor file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vnfd.builders import CIRROS, LB_WORKER, nodes, sample_doc, to_text
from vnfm.vnfd.catalog import (
    CIRROS_V1_VNFD_ID,
    CIRROS_V2_VNFD_ID,
    LB_WORKER_VNFD_ID,
    SAMPLES_DIR,
    Catalog,
    add_file,
)
from vnfm.vnfd.errors import VnfdError
from vnfm.vnfd.safeyaml import MAX_CHARS

NEW_ID = "44444444-4444-4444-8444-444444444444"


def lb_worker_text(vnfd_id: str = NEW_ID, software_version: str = "1.0") -> str:
    """The LB/worker sample under another vnfdId (and optionally another version)."""
    doc = sample_doc(LB_WORKER)
    props = nodes(doc)["VNF"]["properties"]
    props["descriptor_id"] = vnfd_id
    props["software_version"] = software_version
    return to_text(doc)


def test_bundled_samples_load_in_vnfd_id_order() -> None:
    catalog = Catalog.load(None)
    assert [v.vnfd_id for v in catalog.all()] == [
        CIRROS_V1_VNFD_ID,
        CIRROS_V2_VNFD_ID,
        LB_WORKER_VNFD_ID,
    ]
    assert catalog.errors == []
    assert len(catalog) == 3 and LB_WORKER_VNFD_ID in catalog
    assert catalog.path_of(CIRROS_V1_VNFD_ID) == SAMPLES_DIR / CIRROS


def test_get_returns_none_for_an_unknown_id() -> None:
    catalog = Catalog.load(None)
    assert catalog.get("nope") is None
    cirros = catalog.get(CIRROS_V1_VNFD_ID)
    assert cirros is not None and cirros.product_name == "Cirros"


def test_extra_dir_adds_good_files_and_reports_bad_ones(tmp_path: Path) -> None:
    (tmp_path / "a_good.yaml").write_text(lb_worker_text(), encoding="utf-8")
    (tmp_path / "b_also_good.yml").write_text(
        lb_worker_text("55555555-5555-4555-8555-555555555555"), encoding="utf-8"
    )
    (tmp_path / "c_broken.yaml").write_text("tosca_definitions_version: [", encoding="utf-8")
    (tmp_path / "d_conflict.yaml").write_text(
        lb_worker_text(LB_WORKER_VNFD_ID, software_version="9.9"), encoding="utf-8"
    )
    (tmp_path / "e_same_as_sample.yaml").write_text(
        (SAMPLES_DIR / CIRROS).read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "f_not_yaml.txt").write_text("ignored", encoding="utf-8")

    catalog = Catalog.load(tmp_path)

    assert NEW_ID in catalog and "55555555-5555-4555-8555-555555555555" in catalog
    assert len(catalog) == 5
    assert len(catalog.errors) == 2
    broken, conflict = catalog.errors
    assert broken.startswith(f"{tmp_path / 'c_broken.yaml'}: not valid YAML")
    assert str(tmp_path / "d_conflict.yaml") in conflict and "already defined" in conflict
    # The conflicting file did not replace the bundled descriptor.
    lb = catalog.get(LB_WORKER_VNFD_ID)
    assert lb is not None and lb.software_version == "1.0"


def test_missing_extra_dir_is_empty_but_a_file_is_an_error(tmp_path: Path) -> None:
    assert Catalog.load(tmp_path / "absent").errors == []
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x", encoding="utf-8")
    assert Catalog.load(not_a_dir).errors == [f"{not_a_dir}: not a directory"]


def test_oversized_and_non_utf8_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_text("#" * (MAX_CHARS + 1), encoding="utf-8")
    (tmp_path / "latin1.yaml").write_bytes("description: caf\xe9\n".encode("latin-1"))
    errors = Catalog.load(tmp_path).errors
    assert errors == [
        f"{tmp_path / 'big.yaml'}: larger than {MAX_CHARS} bytes",
        f"{tmp_path / 'latin1.yaml'}: not UTF-8 text",
    ]


def test_add_file_validates_copies_and_registers(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming.yaml"
    incoming.write_text(lb_worker_text(), encoding="utf-8")
    target_dir = tmp_path / "vnfds"
    catalog = Catalog.load(target_dir)

    vnfd = catalog.add_file(incoming, target_dir)

    assert vnfd.vnfd_id == NEW_ID
    assert catalog.get(NEW_ID) == vnfd
    copied = target_dir / f"{NEW_ID}.yaml"
    assert copied.read_text(encoding="utf-8") == incoming.read_text(encoding="utf-8")
    assert [p.name for p in target_dir.iterdir()] == [copied.name]  # no temp file left
    # A restart finds it again.
    assert Catalog.load(target_dir).get(NEW_ID) == vnfd


def test_add_file_with_identical_content_is_a_no_op(tmp_path: Path) -> None:
    target_dir = tmp_path / "vnfds"
    catalog = Catalog.load(target_dir)
    existing = catalog.get(CIRROS_V1_VNFD_ID)
    assert catalog.add_file(SAMPLES_DIR / CIRROS, target_dir) == existing
    assert not target_dir.exists()


def test_add_file_refuses_a_known_id_with_different_content(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming.yaml"
    incoming.write_text(lb_worker_text(LB_WORKER_VNFD_ID, software_version="2.0"), encoding="utf-8")
    target_dir = tmp_path / "vnfds"
    catalog = Catalog.load(target_dir)
    with pytest.raises(VnfdError, match="already exists with different content"):
        catalog.add_file(incoming, target_dir)
    lb = catalog.get(LB_WORKER_VNFD_ID)
    assert lb is not None and lb.software_version == "1.0"
    assert not target_dir.exists()


def test_add_file_refuses_an_invalid_descriptor(tmp_path: Path) -> None:
    doc = sample_doc(LB_WORKER)
    nodes(doc)["VNF"]["properties"]["descriptor_id"] = NEW_ID
    del nodes(doc)["LB"]["properties"]["vnfm_esc"]["flavor"]
    incoming = tmp_path / "incoming.yaml"
    incoming.write_text(to_text(doc), encoding="utf-8")
    target_dir = tmp_path / "vnfds"
    catalog = Catalog.load(target_dir)
    with pytest.raises(VnfdError) as caught:
        catalog.add_file(incoming, target_dir)
    assert caught.value.source == str(incoming)
    assert caught.value.reason == "missing flavor"
    assert NEW_ID not in catalog
    assert not target_dir.exists()


def test_add_file_never_overwrites_a_file_in_the_target_dir(tmp_path: Path) -> None:
    target_dir = tmp_path / "vnfds"
    target_dir.mkdir()
    squatter = target_dir / f"{NEW_ID}.yaml"
    squatter.write_text("broken: [", encoding="utf-8")
    catalog = Catalog.load(target_dir)
    assert len(catalog.errors) == 1
    incoming = tmp_path / "incoming.yaml"
    incoming.write_text(lb_worker_text(), encoding="utf-8")
    with pytest.raises(VnfdError, match="already exists; not overwriting it"):
        catalog.add_file(incoming, target_dir)
    assert squatter.read_text(encoding="utf-8") == "broken: ["
    assert NEW_ID not in catalog
    assert sorted(p.name for p in target_dir.iterdir()) == [squatter.name]


def test_add_file_reports_an_unreadable_path(tmp_path: Path) -> None:
    catalog = Catalog.load(None)
    with pytest.raises(VnfdError, match="cannot be read"):
        catalog.add_file(tmp_path / "absent.yaml", tmp_path / "vnfds")


def test_module_level_add_file_checks_against_what_target_dir_holds(tmp_path: Path) -> None:
    target_dir = tmp_path / "vnfds"
    incoming = tmp_path / "incoming.yaml"
    incoming.write_text(lb_worker_text(), encoding="utf-8")
    assert add_file(incoming, target_dir).vnfd_id == NEW_ID
    assert (target_dir / f"{NEW_ID}.yaml").is_file()
    # Same id, other content: refused even by a fresh call (the first copy is on disk).
    incoming.write_text(lb_worker_text(software_version="1.1"), encoding="utf-8")
    with pytest.raises(VnfdError, match="already exists with different content"):
        add_file(incoming, target_dir)
