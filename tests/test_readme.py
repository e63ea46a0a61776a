"""The README's settings table is the one `vnfm config` prints from the code."""

from __future__ import annotations

from tests.conftest import REPO_ROOT
from vnfm.config import settings_table


def test_readme_lists_every_setting_as_the_code_documents_it():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table().strip() in readme, "paste `vnfm config` into README.md"
