"""One throwaway PostgreSQL cluster and one production server (2 workers) for the whole fault suite.

The tests stop, crash and freeze that cluster, so it is never the machine's own server, and they run one
after the other in one xdist group (each leaves the database running and the service recovered).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools.postgres_server import EmbeddedPostgres, throwaway_postgres
from tests.database import migrate
from tests.live_server import live_server

DATABASE = "order_service"


@dataclass(frozen=True)
class FaultRig:
    cluster: EmbeddedPostgres  # devtools' throwaway server: stop, kill, freeze, resume, start
    url: str  # the service
    dsn: str  # the database, for asyncpg
    log: Path  # the service's log

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()


@pytest.fixture(scope="session")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultRig]:
    log = tmp_path_factory.mktemp("faults") / "service.log"
    multiproc_dir = tmp_path_factory.mktemp("metrics")  # /metrics sums both workers, as in production
    with throwaway_postgres() as cluster:
        cluster.create_database(DATABASE)
        migrate(cluster.url(DATABASE))
        env = {
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir),
            "DB_POOL_SIZE": "5",  # production's pool
            "DB_MAX_OVERFLOW": "0",
        }
        with live_server(cluster.url(DATABASE), workers=2, env=env, log_path=log) as url:
            yield FaultRig(cluster, url, cluster.url(DATABASE, driver="postgresql"), log)
