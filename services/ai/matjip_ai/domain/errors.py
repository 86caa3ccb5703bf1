"""The ai service's domain errors (problem+json codes)."""

from matjip_platform.errors import NotFound


class StoreNotFound(NotFound):
    code = "store_not_found"
    title = "Store not found"
