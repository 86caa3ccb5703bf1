from matjip_platform.migrations import run_migrations
from matjip_store.repository.tables import metadata

run_migrations(metadata)
