"""The rules of accounts, passwords, tokens, signing keys and login throttling (no I/O)."""
