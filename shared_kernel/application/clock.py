"""The Clock port: use cases ask it for the time and hand it to the domain, so tests can fix it."""

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...
