"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from vnfm.db.schema import metadata


def test_migrated_database_matches_the_models(database_url: str):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_one_open_operation_per_instance_is_a_database_rule(database_url: str):
    engine = sa.create_engine(database_url)
    try:
        indexes = sa.inspect(engine).get_indexes("vnf_lcm_op_occs")
    finally:
        engine.dispose()
    unique = [i for i in indexes if i["name"] == "ux_vnf_lcm_op_occs_one_open_per_instance"]
    assert unique and unique[0]["unique"]
