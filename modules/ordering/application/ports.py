"""What the ordering use cases need from the outside world."""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from modules.ordering.domain.order import Order
from shared_kernel.application.pagination import Page, PageRequest

IDEMPOTENCY_KEY_MAX_LENGTH = 200
DIGEST_LENGTH = 64  # a SHA-256, in hex


class OrderRepository(Protocol):
    async def add(self, order: Order) -> None: ...

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None:
        """The order; with `for_update`, its row stays locked until the transaction ends."""
        ...

    async def save_status(self, order: Order) -> None: ...

    async def list_page(self, page: PageRequest) -> Page[Order]: ...


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """A request placed with an Idempotency-Key: the key, the digest of what was asked, the order it made."""

    key: str
    digest: str
    order_id: UUID


class DuplicateIdempotencyKey(Exception):
    """Another request was stored with the same idempotency key in the meantime."""


class IdempotencyKeys(Protocol):
    async def find(self, key: str) -> IdempotentRequest | None: ...

    async def add(self, request: IdempotentRequest) -> None:
        """Remember the request; raises DuplicateIdempotencyKey if the key is taken (the transaction is then
        unusable and must be rolled back)."""
        ...
