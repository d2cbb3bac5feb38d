"""The migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import service
from service.metadata import TABLE_MODULES, metadata
from service.settings import Settings


async def test_models_and_migrations_agree(settings: Settings) -> None:
    engine = create_async_engine(settings.database_url)

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    await engine.dispose()
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(settings: Settings, tmp_path: Any) -> None:
    from alembic import command
    from alembic.config import Config

    from service.cli import ROOT

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")


def test_the_metadata_has_every_contexts_tables() -> None:
    """A context's tables missing from service.metadata would make autogenerate propose DROP TABLE."""
    root = Path(service.__file__).parent
    modules = list(root.rglob("tables.py")) + [p for p in root.rglob("tables/*.py") if p.name != "__init__.py"]
    defined = {".".join(p.relative_to(root.parent).with_suffix("").parts) for p in modules}
    assert defined == {module.__name__ for module in TABLE_MODULES}
