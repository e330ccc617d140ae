"""How modules publish facades to each other: a factory per contract, looked up by the contract's type."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

# Given the request's session, the facade working inside that session's transaction.
type FacadeFactory[T] = Callable[[AsyncSession], T]


@dataclass(frozen=True, slots=True)
class PublishedFacade[T]:
    """A module's published contract (the Protocol in modules/<m>/facade.py) and how to build it."""

    contract: type[T]
    factory: FacadeFactory[T]


@dataclass(frozen=True, slots=True)
class FacadeOverFacades[T]:
    """A published contract whose implementation uses other modules' facades: `wire(facades)` gives its
    factory (as a module's `router(facades)` gives its routes)."""

    contract: type[T]
    wire: Callable[["Facades"], FacadeFactory[T]]


class Facades:
    """Every facade the listed modules publish; the composition root builds it, modules look theirs up."""

    def __init__(self, published: Iterable[PublishedFacade[Any] | FacadeOverFacades[Any]]) -> None:
        self._factories: dict[type, FacadeFactory[Any]] = {}
        contracts: set[type] = set()
        wired: list[FacadeOverFacades[Any]] = []
        for facade in published:
            if facade.contract in contracts:
                msg = f"{facade.contract.__name__} is published twice"
                raise ValueError(msg)
            contracts.add(facade.contract)
            if isinstance(facade, PublishedFacade):
                self._factories[facade.contract] = facade.factory
            else:
                wired.append(facade)
        # Wired once every plain factory is known; a wired facade may use another wired one listed before it.
        for facade in wired:
            self._factories[facade.contract] = facade.wire(self)

    def of[T](self, contract: type[T]) -> FacadeFactory[T]:
        try:
            return self._factories[contract]
        except KeyError:
            msg = f"no module in the list publishes {contract.__name__}"
            raise LookupError(msg) from None
