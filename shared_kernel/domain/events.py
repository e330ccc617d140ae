"""Domain events: facts an aggregate records while its rules run, published once they are committed."""

from typing import Protocol


class DomainEvent:
    """Base of every domain event (each one a frozen dataclass named in the past tense: OrderPlaced)."""


class RecordsEvents(Protocol):
    """An aggregate that records events; the unit of work takes them (and empties the list) after commit."""

    events: list[DomainEvent]
