"""The user service's tables (in its own schema, `user_profile`)."""

from sqlalchemy import MetaData

metadata = MetaData()
