"""Query parameters and envelope for paginated lists (`?limit=1..100&offset>=0`)."""

import re
from typing import Annotated, Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from shared_kernel.application.pagination import MAX_LIMIT, MAX_OFFSET, PageRequest

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size (1..{MAX_LIMIT}).")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Items to skip.")]

_DIGITS = re.compile(r"[0-9]+")


def page_request(request: Request[Any, Any, Any], limit: Limit = 20, offset: Offset = 0) -> PageRequest:
    """Dependency shared by every list endpoint. The values are integers written as the document declares
    them: Litestar alone would also take `limit=1e2` or `limit=5.0`, and the first of a repeated `limit`."""
    for name in ("limit", "offset"):
        values = request.query_params.getall(name, [])
        if len(values) > 1 or (values and not _DIGITS.fullmatch(values[0])):
            message = "Expected one integer written in digits 0-9"
            error = {"key": name, "message": message, "source": "query"}
            raise ValidationException(detail=f"{name}: {message}", extra=[error])
    return PageRequest(limit=limit, offset=offset)


class PageMeta(msgspec.Struct):
    total: int
    limit: int
    offset: int
