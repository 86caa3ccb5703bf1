"""Matjip auth: Accounts, password hashing, RS256 access tokens, rotating refresh tokens, JWKS."""
