"""Logs an engineer can search: JSON lines with service, level and trace ids, and never a secret."""

import json

from e2e_support import Platform, expect, place_order, shop, wait_for_status


def test_logs_are_json_with_trace_ids_and_carry_no_password_or_token(platform: Platform) -> None:
    s = shop(platform)
    order_id = expect(place_order(s.customer, s.store["id"], [(s.dish["id"], 1)]), 201)["order_id"]
    wait_for_status(s.customer, order_id, "AWAITING_STORE")
    expect(s.customer.post("/api/auth/logout", json={"refresh_token": s.customer.tokens["refresh_token"]}), 204)
    assert s.customer.get("/api/order/cart").status_code == 401  # the revoked token is refused everywhere

    secrets = [s.customer.password, s.customer.access_token, s.customer.tokens["refresh_token"], s.owner.password]
    lines_about_the_order = []
    for log in sorted(platform.running.log_dir.glob("*.log")):
        text = log.read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"a secret reached {log.name}"
        for line in text.splitlines():
            if not line.startswith("{"):
                continue  # the process supervisor's own start/stop markers
            entry = json.loads(line)
            assert {"timestamp", "level", "service", "event"} <= set(entry), line
            if entry.get("order_id") == order_id:
                lines_about_the_order.append(entry)
    services = {entry["service"] for entry in lines_about_the_order}
    assert {"order", "store", "payment"} <= services, services
    assert all(len(entry.get("trace_id", "")) == 32 for entry in lines_about_the_order)
