"""The rules of profiles and delivery addresses (no I/O)."""
