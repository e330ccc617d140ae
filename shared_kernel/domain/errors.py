"""Domain error hierarchy. The HTTP edge maps each class to one status code in one place."""

from shared_kernel.domain.events import DomainEvent


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    title = "Domain error"
    # A refusal worth telling the world about (e.g. OrderRefused): published after the rollback.
    event: DomainEvent | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    """A value breaks a business rule (answered as 400)."""

    title = "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class NotFound(DomainError):
    """A resource named by the client does not exist (answered as 404)."""

    title = "Not found"


class Conflict(DomainError):
    """The request conflicts with the current state (answered as 409)."""

    title = "Conflict"


class UnknownReferences(DomainError):
    """A well-formed request names things that do not exist (answered as 422)."""

    title = "Unknown references"

    def __init__(self, detail: str, *, references: list[str]) -> None:
        super().__init__(detail)
        self.references = references
