from sqlalchemy import MetaData

from matjip_platform.migrations import run_migrations

run_migrations(MetaData())
