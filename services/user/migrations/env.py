from matjip_platform.migrations import run_migrations
from matjip_user.repository.tables import metadata

run_migrations(metadata)
