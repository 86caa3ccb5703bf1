"""The store's rules: opening hours, the order inbox state machine, stock reservation, reviews (no I/O)."""
