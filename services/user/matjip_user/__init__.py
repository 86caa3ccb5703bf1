"""Matjip user: Customer and owner profiles and delivery addresses."""
