"""Matjip order: Cart, checkout, the order aggregate and the order saga."""
