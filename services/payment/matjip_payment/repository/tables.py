"""The payment service's tables (in its own schema, `payment`)."""

from sqlalchemy import MetaData

metadata = MetaData()
