"""Generate an Alembic migration from the models: python tools/new_migration.py MSG REV_ID

Upgrades a scratch SQLite database to the current head, then autogenerates the difference
between it and the models into newsletter/migrations/versions/REV_ID_msg.py. Review the
file (PostgreSQL and SQLite must both accept it) before committing.
"""

from __future__ import annotations

import sys
import tempfile

from alembic import command
from alembic.config import Config

from newsletter.db import Database
from newsletter.direct import MIGRATIONS


def main() -> None:
    message, rev_id = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{tmp}/scratch.db")
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        database.dispose()


if __name__ == "__main__":
    main()
