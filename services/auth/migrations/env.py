from matjip_auth.repository.tables import metadata
from matjip_platform.migrations import run_migrations

run_migrations(metadata)
