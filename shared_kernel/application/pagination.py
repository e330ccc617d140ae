"""Offset pagination shared by every list use case."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Page[T]:
    items: list[T]
    total: int
    limit: int
    offset: int
