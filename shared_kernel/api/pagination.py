"""Query parameters and envelope for paginated lists (`?limit=1..100&offset>=0`)."""

from typing import Annotated

import msgspec
from litestar.params import QueryParameter

from shared_kernel.application.pagination import MAX_LIMIT, MAX_OFFSET, PageRequest

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size (1..{MAX_LIMIT}).")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Items to skip.")]


def page_request(limit: Limit = 20, offset: Offset = 0) -> PageRequest:
    """Dependency shared by every list endpoint."""
    return PageRequest(limit=limit, offset=offset)


class PageMeta(msgspec.Struct):
    total: int
    limit: int
    offset: int
