"""SqlProductRepository against real PostgreSQL."""

from decimal import Decimal
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from modules.catalog.facade import ProductInfo
from modules.catalog.infrastructure.repository import SqlProductRepository
from shared_kernel.application.pagination import PageRequest
from tests.factories import a_product

Sessions = async_sessionmaker[AsyncSession]


async def test_add_get_roundtrip_keeps_every_field(session_factory: Sessions) -> None:
    product = a_product(price=Decimal("1499.90"), description="ünïcödé ✓")
    async with session_factory() as session:
        await SqlProductRepository(session).add(product)
        await session.commit()
    async with session_factory() as session:
        assert await SqlProductRepository(session).get(product.id) == product
        assert await SqlProductRepository(session).get(uuid4()) is None


async def test_save_overwrites_the_stored_product(session_factory: Sessions) -> None:
    product = a_product()
    async with session_factory() as session:
        repository = SqlProductRepository(session)
        await repository.add(product)
        product.name, product.price = "Renamed", Decimal("3.30")
        await repository.save(product)
        await session.commit()
    async with session_factory() as session:
        assert await SqlProductRepository(session).get(product.id) == product


async def test_uncommitted_work_is_not_visible_elsewhere(session_factory: Sessions) -> None:
    product = a_product()
    async with session_factory() as writer, session_factory() as reader:
        await SqlProductRepository(writer).add(product)
        assert await SqlProductRepository(reader).get(product.id) is None
        await writer.rollback()
    async with session_factory() as session:
        assert await SqlProductRepository(session).get(product.id) is None


async def test_list_page_is_newest_first_with_total(session_factory: Sessions) -> None:
    products = [a_product() for _ in range(4)]
    async with session_factory() as session:
        repository = SqlProductRepository(session)
        for product in products:
            await repository.add(product)
        await session.commit()
        page = await repository.list_page(PageRequest(limit=2, offset=2))
    assert page.total == 4
    assert [p.id for p in page.items] == [products[1].id, products[0].id]


async def test_infos_returns_only_existing_products(session_factory: Sessions) -> None:
    kept, other = a_product(), a_product()
    async with session_factory() as session:
        repository = SqlProductRepository(session)
        await repository.add(kept)
        await repository.add(other)
        await session.commit()
        infos = await repository.infos([kept.id, uuid4()])
        assert await repository.infos([]) == []
    assert infos == [ProductInfo(id=kept.id, name=kept.name, price=kept.price)]


async def test_ids_are_the_oldest_products_first(session_factory: Sessions) -> None:
    products = [a_product() for _ in range(3)]
    async with session_factory() as session:
        for product in reversed(products):
            await SqlProductRepository(session).add(product)
        await session.commit()
    async with session_factory() as session:
        oldest_first = sorted(products, key=lambda p: (p.created_at, p.id))
        assert await SqlProductRepository(session).ids(limit=2) == [p.id for p in oldest_first[:2]]


async def test_search_matches_name_or_description_case_ignored_and_wildcards_literally(
    session_factory: Sessions,
) -> None:
    lamp = a_product(name="Desk LAMP", description="LED")
    percent = a_product(name="100% cotton", description="")
    underscore = a_product(name="snake_case mug", description="")
    bulb = a_product(name="Bulb", description="For any lamp")
    async with session_factory() as session:
        for product in (lamp, percent, underscore, bulb):
            await SqlProductRepository(session).add(product)
        await session.commit()
    async with session_factory() as session:
        repository = SqlProductRepository(session)

        async def found(search: str) -> set[str]:
            page = await repository.list_page(PageRequest(limit=10), search=search)
            assert page.total == len(page.items)
            return {p.name for p in page.items}

        assert await found("lamp") == {"Desk LAMP", "Bulb"}
        assert await found("0%") == {"100% cotton"}
        assert await found("e_c") == {"snake_case mug"}
        assert await found("%") == {"100% cotton"}
        assert await found("\\") == set()
        assert len(await found("")) == 4
