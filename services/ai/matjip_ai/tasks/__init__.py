"""Background loops of the ai service."""
