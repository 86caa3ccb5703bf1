"""Shared mechanisms every Matjip service uses the same way."""
