"""What store publishes (snapshot builders) and consumes (the handler registry)."""
