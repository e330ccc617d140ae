"""The database stops, crashes, hangs or restarts under the running service (2 workers).

Documented bounds (shared_kernel/README.md), with the default settings:
- while the database is down, every request is answered 503 problem+json with Retry-After within
  OUTAGE_ANSWER_SECONDS; while it hangs, within HANG_ANSWER_SECONDS (a wait in line, then the driver's
  command or connect timeout);
- readiness answers within its own 2 s whatever the database does;
- once the database is back, orders succeed again within RECOVERY_SECONDS, with no restart of the service.
"""

import time

import httpx
import pytest

from tests.faults.conftest import FaultRig
from tests.faults.shop import (
    ORDERS,
    assert_placed_or_unavailable,
    assert_stock_consistent,
    open_shop,
    order_body,
    order_traffic,
    places_orders,
    timed,
    wait_for,
)

# One shared throwaway cluster and server: these tests run one after the other, on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults")]

OUTAGE_ANSWER_SECONDS = 4.0  # connect timeout (3 s) + slack for a loaded machine
# A request may wait in line for a slot (DB_POOL_TIMEOUT_SECONDS, 2 s), then on a hung statement (command timeout,
# 3 s) or a connection that does not open (connect timeout, 3 s); + slack for a loaded machine, less than one
# more command timeout (a ROLLBACK on the hung connection would add one: 6 s).
HANG_ANSWER_SECONDS = 2.0 + 3.0 + 1.0
COMMAND_TIMEOUT_SECONDS = 3.0
HANG_CLIENTS = 24  # more than both workers' slots together (2 x 5): some wait in line
READINESS_SECONDS = 2.0 + 1.0  # its own bound + slack
RECOVERY_SECONDS = 15.0


@pytest.mark.parametrize("fault", ["stop", "crash"])
def test_a_database_outage_under_load_is_answered_503_and_recovers(rig: FaultRig, fault: str) -> None:
    shop = open_shop(rig.url)
    log_lines_before = len(rig.log_lines())
    with order_traffic(shop) as traffic:
        wait_for(lambda: sum(a.status == 201 for a in traffic.answers) >= 10, 20, "orders flow")
        down = time.monotonic()
        rig.cluster.stop() if fault == "stop" else rig.cluster.kill()
        wait_for(lambda: sum(a.status == 503 for a in traffic.since(down + 1)) >= 10, 20, "503s while down")
        rig.cluster.start()
        wait_for(lambda: places_orders(shop), RECOVERY_SECONDS, "orders succeed again")
    assert_placed_or_unavailable(traffic, within=OUTAGE_ANSWER_SECONDS)
    with httpx.Client(base_url=rig.url) as http:
        metrics = http.get("/metrics").text
    assert 'db_unavailable_responses_total{reason="' in metrics
    new_lines = rig.log_lines()[log_lines_before:]
    assert not [line for line in new_lines if "unhandled_error" in line or "Traceback" in line]
    unavailable = [line for line in new_lines if "database_unavailable" in line]
    assert len(unavailable) >= 10
    assert all(len(line) < 500 for line in unavailable)  # one short line each, no traceback
    assert_stock_consistent(rig.dsn)


def test_a_hung_database_is_answered_within_a_few_seconds(rig: FaultRig) -> None:
    shop = open_shop(rig.url)
    readiness: list[tuple[int, float]] = []
    with order_traffic(shop, clients=HANG_CLIENTS) as traffic, httpx.Client(base_url=rig.url, timeout=30) as http:
        wait_for(lambda: sum(a.status == 201 for a in traffic.answers) >= 10, 20, "orders flow")
        frozen = time.monotonic()
        rig.cluster.freeze()
        try:
            while time.monotonic() - frozen < HANG_ANSWER_SECONDS + 1:  # every request in flight must end
                answer = timed(http, "GET", "/health/ready")
                readiness.append((answer.status, answer.seconds))
            assert sum(a.status == 503 for a in traffic.since(frozen)) >= 4
        finally:
            rig.cluster.resume()
        wait_for(lambda: places_orders(shop), RECOVERY_SECONDS, "orders succeed again")
    assert_placed_or_unavailable(traffic, within=HANG_ANSWER_SECONDS)
    assert readiness
    assert all(status == 503 and seconds < READINESS_SECONDS for status, seconds in readiness)
    assert_stock_consistent(rig.dsn)


def test_a_single_request_on_a_hung_database_waits_the_command_timeout_and_no_more(rig: FaultRig) -> None:
    """Nothing in line, so only the statement's own bound: its connection is then dropped at once (the polite
    close SQLAlchemy would try first waits 2 s more for the hung server)."""
    shop = open_shop(rig.url)
    assert places_orders(shop)
    rig.cluster.freeze()
    try:
        with httpx.Client(base_url=rig.url, timeout=30) as http:
            answer = timed(http, "POST", ORDERS, json=order_body(shop.products[0]))
    finally:
        rig.cluster.resume()
    assert answer.status == 503
    assert COMMAND_TIMEOUT_SECONDS <= answer.seconds < COMMAND_TIMEOUT_SECONDS + 1.0
    wait_for(lambda: places_orders(shop), RECOVERY_SECONDS, "orders succeed again")
    assert_stock_consistent(rig.dsn)


def test_the_first_requests_after_a_restart_while_idle_succeed(rig: FaultRig) -> None:
    shop = open_shop(rig.url)
    for _ in range(12):  # a new connection each: both workers fill their pools
        assert places_orders(shop)
    rig.cluster.stop()
    rig.cluster.start()
    statuses = []
    for _ in range(12):
        with httpx.Client(base_url=rig.url, timeout=30) as http:
            statuses.append(http.post(ORDERS, json=order_body(shop.products[1])).status_code)
    assert statuses == [201] * 12
    assert_stock_consistent(rig.dsn)
