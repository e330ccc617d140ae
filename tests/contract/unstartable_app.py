"""An app factory that fails the way a real one can (a bug, a missing file): for tests/contract/test_serving.py."""

from litestar import Litestar


def create_app() -> Litestar:
    msg = "this app cannot start"
    raise RuntimeError(msg)
