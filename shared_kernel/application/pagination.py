"""Offset pagination shared by every list use case."""

from dataclasses import dataclass

from shared_kernel.domain.errors import InvalidInput

MAX_LIMIT = 100
MAX_OFFSET = 2**31 - 1


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = 20
    offset: int = 0

    @classmethod
    def checked(cls, limit: int, offset: int) -> "PageRequest":
        """A page request from a caller that has not validated it (the HTTP edge validates its own)."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
        if not 0 <= offset <= MAX_OFFSET:
            raise InvalidInput(f"offset must be from 0 to {MAX_OFFSET}", field="offset")
        return cls(limit=limit, offset=offset)


@dataclass(frozen=True, slots=True)
class Page[T]:
    items: list[T]
    total: int
    limit: int
    offset: int
