"""What user consumes (it publishes nothing yet)."""
