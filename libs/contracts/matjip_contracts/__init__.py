"""Event contracts shared by every Matjip service: topic names and versioned payload models."""
