"""The HTTP layer: one async core, the endpoint operations, paging, errors. No pandas here."""
