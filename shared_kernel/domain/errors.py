"""Domain error hierarchy. The HTTP edge maps each class to one status code in one place."""


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    title = "Domain error"

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
