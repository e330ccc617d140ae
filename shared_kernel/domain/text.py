"""Validation of free text that clients send and PostgreSQL stores."""

from shared_kernel.domain.errors import InvalidInput


def clean_text(value: str, *, field: str, max_length: int, required: bool) -> str:
    """Strip surrounding whitespace and enforce length; refuse what PostgreSQL text cannot hold."""
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"{field} must not be blank", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{field} must be at most {max_length} characters", field=field)
    if "\x00" in text:
        raise InvalidInput(f"{field} must not contain NUL characters", field=field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{field} must be valid Unicode text", field=field) from None
    return text
