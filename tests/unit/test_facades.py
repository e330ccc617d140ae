"""Facades: plain factories found by contract; a facade over facades wired with the others; no contract twice."""

from typing import Protocol, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shared_kernel.infrastructure.facades import FacadeFactory, FacadeOverFacades, Facades, PublishedFacade

SESSION = cast(AsyncSession, object())  # the factories below never touch it


class Prices(Protocol):
    def price(self) -> int: ...


class Quotes(Protocol):
    def quote(self, quantity: int) -> int: ...


class FixedPrices:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def price(self) -> int:
        return 3


class QuotesFromPrices:
    def __init__(self, prices: Prices) -> None:
        self._prices = prices

    def quote(self, quantity: int) -> int:
        return quantity * self._prices.price()


def quotes(facades: Facades) -> FacadeFactory[Quotes]:
    prices = facades.of(Prices)
    return lambda session: QuotesFromPrices(prices(session))


def test_a_facade_over_facades_is_wired_with_the_plain_ones_whatever_the_order() -> None:
    facades = Facades([FacadeOverFacades(Quotes, quotes), PublishedFacade(Prices, FixedPrices)])

    assert facades.of(Quotes)(SESSION).quote(4) == 12
    assert facades.of(Prices) is FixedPrices


def test_a_contract_is_published_once_and_an_unpublished_one_is_named() -> None:
    with pytest.raises(ValueError, match="Prices is published twice"):
        Facades([PublishedFacade(Prices, FixedPrices), FacadeOverFacades(Prices, lambda _: FixedPrices)])
    with pytest.raises(LookupError, match="no module in the list publishes Quotes"):
        Facades([PublishedFacade(Prices, FixedPrices)]).of(Quotes)
