"""Matjip's demo city and dinner-rush simulator: everything goes through the platform's own HTTP APIs."""
