"""The notification service's tables (in its own schema, `notification`)."""

from sqlalchemy import MetaData

metadata = MetaData()
