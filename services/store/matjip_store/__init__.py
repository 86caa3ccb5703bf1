"""Matjip store: Stores, opening hours, menus, stock, reviews and the owner's order inbox."""
