"""Page numbers as people see them (1, 2, ...), read leniently from a URL someone may have edited."""

import math
from dataclasses import dataclass

PAGE_SIZE = 20
_MAX_PAGE = 1_000_000  # keeps the offset far inside what the facades accept


def page_number(text: str) -> int:
    """The page asked for; anything that is not a page number means the first page."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(_MAX_PAGE)):
        return 1
    return min(max(int(text), 1), _MAX_PAGE)


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int  # 1-based
    total_items: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * PAGE_SIZE

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total_items / PAGE_SIZE))

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None
