"""What the ordering use cases need from the outside world."""

from typing import Protocol
from uuid import UUID

from modules.ordering.domain.order import Order
from shared_kernel.application.pagination import Page, PageRequest


class DuplicateIdempotencyKey(Exception):
    """Another order was stored with the same idempotency key in the meantime."""


class OrderRepository(Protocol):
    async def add(self, order: Order, *, idempotency_key: str | None, request_digest: str | None) -> None:
        """Store a new order; raises DuplicateIdempotencyKey if the key is taken (the transaction is then
        unusable and must be rolled back)."""
        ...

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None:
        """The order; with `for_update`, its row stays locked until the transaction ends."""
        ...

    async def find_by_idempotency_key(self, key: str) -> tuple[Order, str] | None:
        """The order stored with `key`, and the digest of the request that created it."""
        ...

    async def save_status(self, order: Order) -> None: ...

    async def list_page(self, page: PageRequest) -> Page[Order]: ...


class OrderEvents(Protocol):
    """Where business events go: metrics and structured logs (after the transaction committed)."""

    def placed(self, order: Order) -> None: ...

    def refused(self, reason: str) -> None: ...

    def cancelled(self, order: Order) -> None: ...
