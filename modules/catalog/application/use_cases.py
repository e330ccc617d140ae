"""Catalog use cases: one class each, depending only on ports."""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from modules.catalog.application.ports import ProductRepository
from modules.catalog.domain.product import Product
from shared_kernel.application.clock import Clock
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.unit_of_work import UnitOfWork
from shared_kernel.domain.errors import NotFound


@dataclass(frozen=True, slots=True)
class CreateProductCommand:
    name: str
    price: Decimal
    description: str = ""


@dataclass(frozen=True, slots=True)
class UpdateProductCommand:
    """A partial change: None leaves a field as it is."""

    product_id: UUID
    name: str | None = None
    description: str | None = None
    price: Decimal | None = None


def _not_found(product_id: UUID) -> NotFound:
    return NotFound(f"product {product_id} does not exist")


class CreateProduct:
    def __init__(self, uow: UnitOfWork, products: ProductRepository, clock: Clock) -> None:
        self._uow = uow
        self._products = products
        self._clock = clock

    async def __call__(self, command: CreateProductCommand) -> Product:
        product = Product.create(
            name=command.name,
            description=command.description,
            price=command.price,
            now=self._clock.now(),
        )
        async with self._uow:
            await self._products.add(product)
            await self._uow.commit()
        return product


class UpdateProduct:
    def __init__(self, uow: UnitOfWork, products: ProductRepository, clock: Clock) -> None:
        self._uow = uow
        self._products = products
        self._clock = clock

    async def __call__(self, command: UpdateProductCommand) -> Product:
        async with self._uow:
            product = await self._products.get(command.product_id)
            if product is None:
                raise _not_found(command.product_id)
            product.change(
                now=self._clock.now(),
                name=command.name,
                description=command.description,
                price=command.price,
            )
            await self._products.save(product)
            await self._uow.commit()
        return product


class GetProduct:
    def __init__(self, products: ProductRepository) -> None:
        self._products = products

    async def __call__(self, product_id: UUID) -> Product:
        product = await self._products.get(product_id)
        if product is None:
            raise _not_found(product_id)
        return product


class ListProducts:
    def __init__(self, products: ProductRepository) -> None:
        self._products = products

    async def __call__(self, page: PageRequest) -> Page[Product]:
        return await self._products.list_page(page)
