"""Matjip payment: Payment intents, gateway adapter, refunds and reconciliation."""
