"""The store service's tables (in its own schema, `store`)."""

from sqlalchemy import MetaData

metadata = MetaData()
