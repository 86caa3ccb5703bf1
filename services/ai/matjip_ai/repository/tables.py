"""The ai service's tables (in its own schema, `ai`)."""

from sqlalchemy import MetaData

metadata = MetaData()
