"""The RealtimeKit API contract: the endpoint table and the request-body models.

Both the client (``rtk_notebook.api``) and the emulated server (``rtk_notebook.demo``) read
this package, so a path, a parameter name or an enum value is written down exactly once.
It depends on nothing but the standard library and pydantic.
"""

from rtk_notebook.spec.endpoints import ENDPOINTS, Endpoint, Param, QueryError, find_endpoint

__all__ = ["ENDPOINTS", "Endpoint", "Param", "QueryError", "find_endpoint"]
