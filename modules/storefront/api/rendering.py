"""Server-side rendering: the storefront's Jinja templates rendered into HTML responses, and its static files.

The module renders its own pages (no app-wide template configuration), so it is wired like any other module.
"""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Response
from litestar.router import Router
from litestar.static_files import create_static_files_router

from modules.ordering.facade import MAX_LINE_QUANTITY, PLACED
from modules.storefront.domain.order_form import KEY_FIELD, quantity_field

_HERE = Path(__file__).parent
STATIC_PATH = "/static/storefront"


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,  # a misspelt name fails the test that renders it, not silently
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(money=money, when=when)
    environment.globals.update(
        quantity_field=quantity_field,
        key_field=KEY_FIELD,
        max_quantity=MAX_LINE_QUANTITY,
        placed=PLACED,
        static=STATIC_PATH,
    )
    return environment


_templates = _environment()


def html_page(template: str, context: dict[str, Any], *, status_code: int = 200) -> Response[str]:
    """`template` rendered with `context`, as an HTML response."""
    body = _templates.get_template(template).render(context)
    return Response(body, media_type=MediaType.HTML, status_code=status_code)


def static_files() -> Router:
    """The stylesheet and the small script, served by the app itself: no CDN, works offline."""
    return create_static_files_router(path=STATIC_PATH, directories=[_HERE / "static"], name="storefront_static")
