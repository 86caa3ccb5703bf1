"""Matjip ai: Review-based menu Q&A and dish recommendations."""
