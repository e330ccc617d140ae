"""Publishing domain events to the handlers that subscribe to them (metrics, log lines)."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from shared_kernel.domain.events import DomainEvent, RecordsEvents

type EventHandler = Callable[[Any], None]


class EventBus:
    """Calls each event's handlers, in order, by the event's exact type. Handlers must not fail: they run
    after the transaction has ended and its outcome is decided."""

    def __init__(self, handlers: Mapping[type[DomainEvent], Sequence[EventHandler]] | None = None) -> None:
        self._handlers = dict(handlers or {})

    def publish(self, events: Iterable[DomainEvent]) -> None:
        for event in events:
            for handler in self._handlers.get(type(event), ()):
                handler(event)


class TransactionEvents:
    """The events of one unit of work: the collected aggregates' after a commit, a refusal's after a
    rollback (shared by the real unit of work and the tests' fake)."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._aggregates: list[RecordsEvents] = []

    def collect(self, aggregate: RecordsEvents) -> None:
        self._aggregates.append(aggregate)

    def committed(self) -> None:
        events = [event for aggregate in self._aggregates for event in aggregate.events]
        for aggregate in self._aggregates:
            aggregate.events.clear()
        self._aggregates.clear()
        self._bus.publish(events)

    def ended(self, error: BaseException | None) -> None:
        """The transaction is over; what was not committed is forgotten, a refusal is published."""
        self._aggregates.clear()
        event = getattr(error, "event", None)
        if isinstance(event, DomainEvent):
            self._bus.publish([event])
