"""The order service's tables (in its own schema, `ordering`)."""

from sqlalchemy import MetaData

metadata = MetaData()
