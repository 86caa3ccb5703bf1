"""Matjip notification: Real-time push to customers and owners over SSE."""
