from decimal import Decimal
from uuid import uuid4

import pytest

from modules.catalog.application.facade import CatalogFacadeService
from modules.catalog.application.use_cases import (
    CreateProduct,
    CreateProductCommand,
    GetProduct,
    ListProducts,
    UpdateProduct,
    UpdateProductCommand,
)
from modules.catalog.facade import ProductInfo
from shared_kernel.application.pagination import PageRequest
from shared_kernel.domain.errors import InvalidInput, NotFound
from tests.factories import a_product
from tests.fakes import FakeUnitOfWork, FixedClock, InMemoryProductRepository


async def test_create_product_stores_and_commits_once() -> None:
    uow, repository = FakeUnitOfWork(), InMemoryProductRepository()
    clock = FixedClock()
    product = await CreateProduct(uow, repository, clock)(CreateProductCommand(name="Desk", price=Decimal("99.5")))
    assert repository.products[product.id].price == Decimal("99.50")
    assert product.created_at == product.updated_at == clock.now()
    assert uow.commits == 1


async def test_create_product_refuses_bad_input_without_touching_storage() -> None:
    uow, repository = FakeUnitOfWork(), InMemoryProductRepository()
    with pytest.raises(InvalidInput):
        await CreateProduct(uow, repository, FixedClock())(CreateProductCommand(name=" ", price=Decimal(1)))
    assert repository.products == {}
    assert uow.commits == 0


async def test_update_product_changes_and_commits() -> None:
    product = a_product(price=Decimal("1.00"))
    uow, repository = FakeUnitOfWork(), InMemoryProductRepository(product)
    clock = FixedClock()
    updated = await UpdateProduct(uow, repository, clock)(UpdateProductCommand(product.id, name="Renamed"))
    assert updated.name == "Renamed"
    assert updated.price == Decimal("1.00")
    assert updated.updated_at == clock.now()
    assert uow.commits == 1


async def test_update_unknown_product_is_not_found_and_rolls_back() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(NotFound):
        await UpdateProduct(uow, InMemoryProductRepository(), FixedClock())(UpdateProductCommand(uuid4(), name="x"))
    assert (uow.commits, uow.rollbacks) == (0, 1)


async def test_get_product_and_not_found() -> None:
    product = a_product()
    repository = InMemoryProductRepository(product)
    assert await GetProduct(repository)(product.id) == product
    with pytest.raises(NotFound):
        await GetProduct(repository)(uuid4())


async def test_list_products_pages_newest_first() -> None:
    products = [a_product() for _ in range(5)]
    page = await ListProducts(InMemoryProductRepository(*products))(PageRequest(limit=2, offset=1))
    newest_first = sorted(products, key=lambda p: (p.created_at, p.id), reverse=True)
    assert page.items == newest_first[1:3]
    assert (page.total, page.limit, page.offset) == (5, 2, 1)


async def test_facade_returns_only_existing_products() -> None:
    product = a_product()
    facade = CatalogFacadeService(InMemoryProductRepository(product))
    found = await facade.get_products([product.id, uuid4()])
    assert found == {product.id: ProductInfo(id=product.id, name=product.name, price=product.price)}
