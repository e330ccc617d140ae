"""JSON request bodies read the way the OpenAPI document describes them, and nothing more lenient.

Litestar converts bodies leniently: a quantity "2" or "1e3" becomes an integer, "1e2" or " 5 " a price, and
any body is parsed whatever its media type. The app's request class converts a JSON body into the
handler's declared type in msgspec's strict mode instead: a value the schema refuses is a 400 naming the
field, a body that is not UTF-8 JSON a 400, and a body sent as anything but JSON a 415.
"""

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import Empty

from shared_kernel.api.types import MONEY_TEXT_PATTERN, MoneyInput

_MONEY_TEXT = re.compile(MONEY_TEXT_PATTERN)
_WHERE = re.compile(r"^(?P<message>.*?)(?: - at `\$\.?(?P<key>[^`]*)`)?$", re.DOTALL)


class StrictJsonRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        if self._json is Empty:
            media_type, _ = self.content_type
            if not _is_json(media_type):
                raise HTTPException(status_code=415, detail="The body must be JSON (Content-Type: application/json).")
            self._json = self._connection_state.json = _decode(await self.body(), self._declared_type())
        return self._json

    def _declared_type(self) -> Any:
        data = self.route_handler.parsed_data_field
        return Any if data is None else data.annotation


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def _decode(body: bytes, target: Any) -> Any:
    try:
        value = _integral_numbers_as_int(msgspec.json.decode(body))
        return msgspec.convert(value, type=target, strict=True, dec_hook=_decode_custom)
    except msgspec.ValidationError as exc:
        where = _WHERE.match(str(exc))
        key, message = (where["key"] or "", where["message"]) if where else ("", str(exc))
        error = {"key": key, "message": message, "source": "body"}
        raise ValidationException(detail=f"{key}: {message}" if key else message, extra=[error]) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise ValidationException(detail=f"The body is not valid UTF-8 JSON: {exc}") from None


def _integral_numbers_as_int(value: Any) -> Any:
    """OpenAPI 3.1 (JSON Schema 2020-12) counts 2.0 as an integer, so the document accepts it: so do we.
    "2", 2.5 or "1e3" stay refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral_numbers_as_int(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral_numbers_as_int(item) for key, item in value.items()}
    return value


def _decode_custom(kind: type, value: Any) -> Any:
    if kind is MoneyInput:
        return _money(value)
    raise NotImplementedError


def _money(value: Any) -> MoneyInput:
    """A JSON number, or a string in the plain form the schema's pattern states (no exponent, no other
    digits than 0-9, no spaces); the domain checks the range and the cents."""
    if isinstance(value, bool):
        raise TypeError("Expected a decimal string or number, got `bool`")
    if isinstance(value, int | float):
        return MoneyInput(repr(value))
    if isinstance(value, str) and _MONEY_TEXT.fullmatch(value):
        return MoneyInput(value)
    if isinstance(value, str):
        raise ValueError(f"Expected a plain decimal like 12.50 (pattern {MONEY_TEXT_PATTERN})")
    raise TypeError(f"Expected a decimal string or number, got `{type(value).__name__}`")
