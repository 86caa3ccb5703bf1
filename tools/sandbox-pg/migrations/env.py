from matjip_platform.migrations import run_migrations
from matjip_sandbox_pg.tables import metadata

run_migrations(metadata)
