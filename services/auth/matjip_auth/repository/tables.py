"""The auth service's tables (in its own schema, `auth`)."""

from sqlalchemy import MetaData

metadata = MetaData()
