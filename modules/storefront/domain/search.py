"""What a person types into the search box, made safe to search for."""


def search_text(text: str, *, max_length: int) -> str:
    """Trimmed, without control characters (a NUL cannot even be stored), cut to `max_length`."""
    printable = "".join(char for char in text if char.isprintable() or char == " ")
    return printable.strip()[:max_length].strip()
