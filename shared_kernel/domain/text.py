"""Validation of free text that clients send and PostgreSQL stores."""

from shared_kernel.domain.errors import InvalidInput

# Characters that show nothing (zero-width spaces and joiners, direction marks, the soft hyphen, the BOM):
# a required text of only these and whitespace is blank. The API's text pattern is built from the same list.
INVISIBLE_CHARACTERS = (
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\ufeff"
)


def clean_text(value: str, *, field: str, max_length: int, required: bool) -> str:
    """Strip surrounding whitespace and enforce length; refuse what PostgreSQL text cannot hold."""
    text = value.strip()
    if required and all(c.isspace() or c in INVISIBLE_CHARACTERS for c in text):
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
