"""Stock set-up and inspection straight through the inventory repositories."""

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from modules.inventory.domain.stock import StockLevel
from modules.inventory.infrastructure.repository import SqlStockRepository, SqlWarehouseRepository
from modules.inventory.infrastructure.tables import allocations, stock
from tests.factories import a_warehouse

Sessions = async_sessionmaker[AsyncSession]


async def stock_up(sessions: Sessions, levels: dict[UUID, list[int]]) -> list[UUID]:
    """Create one warehouse per column of `levels` (product -> quantity per warehouse); return their ids."""
    width = max(len(q) for q in levels.values())
    warehouses = [a_warehouse() for _ in range(width)]
    async with sessions() as session:
        for warehouse in warehouses:
            await SqlWarehouseRepository(session).add(warehouse)
        for product_id, quantities in levels.items():
            for warehouse, quantity in zip(warehouses, quantities, strict=False):
                await SqlStockRepository(session).set_quantity(StockLevel(product_id, warehouse.id, quantity))
        await session.commit()
    return [w.id for w in warehouses]


async def quantities(sessions: Sessions, product_id: UUID) -> dict[UUID, int]:
    async with sessions() as session:
        rows = await session.execute(
            select(stock.c.warehouse_id, stock.c.quantity).where(stock.c.product_id == product_id),
        )
        return {r.warehouse_id: r.quantity for r in rows}


async def allocated(sessions: Sessions, product_id: UUID) -> int:
    """Units of the product held by unreleased allocations."""
    async with sessions() as session:
        total = await session.scalar(
            select(func.coalesce(func.sum(allocations.c.quantity), 0)).where(
                allocations.c.product_id == product_id,
                allocations.c.released_at.is_(None),
            ),
        )
        return int(total or 0)
