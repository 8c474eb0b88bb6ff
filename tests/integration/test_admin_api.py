"""The management API of the real binary while sipp registers and calls: /metrics parses as
Prometheus text and its counters move with the traffic, registrations are listed and can be
removed, health and the OpenAPI document are served."""
import json
import re

from siptest import (Gateway, check, free_port, parse_args, run_tests, sipp, sipp_logs,
                     tests_in)

args = parse_args()
gw = Gateway(args.binary, transports=("udp", "tcp"), auth_algorithms="[md5, sha-256]").start()
UDP = gw.ports["udp"]
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$')


def metrics():
    status, body = gw.http("GET", "/metrics")
    check(status == 200, f"/metrics answered {status}")
    values, typed = {}, set()
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        check(match, f"not Prometheus text: {line!r}")
        check(match.group(1) in typed, f"sample before its TYPE: {line!r}")
        values[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return values


def test_metrics_move_with_calls():
    before = metrics()
    port = free_port()
    rc, logs = sipp("register.xml", UDP, port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"register:\n{sipp_logs(logs)}")
    server = sipp("uas_answer.xml", UDP, port, ["-s", "bob"], background=True)
    rc, logs = sipp("uac_call.xml", UDP, free_port(), ["-s", "bob", "-au", "alice", "-ap",
                                                        "alicepw"])
    server.wait(15)
    check(rc == 0, f"call:\n{sipp_logs(logs)}")
    after = metrics()
    for name, least in (("rtcgate_registrations_total", 1), ("rtcgate_auth_challenges_total", 2),
                        ("rtcgate_proxy_branches_total", 2),
                        ('rtcgate_sip_messages_received_total{transport="udp"}', 8)):
        grown = after.get(name, 0) - before.get(name, 0)
        check(grown >= least, f"{name} grew by {grown}, expected at least {least}")
    check(after.get("rtcgate_registered_contacts", 0) >= 1, "registered contacts gauge is 0")


def test_registrations_listed_and_removed():
    status, body = gw.http("GET", "/api/v1/registrations?user=bob")
    check(status == 200, f"registrations answered {status}")
    listed = json.loads(body)
    entries = listed["registrations"] if isinstance(listed, dict) else listed
    check(any(e["aor"] == "bob@localhost" and e["transport"] == "udp" for e in entries),
          f"bob not listed: {body}")
    status, _ = gw.http("DELETE", "/api/v1/registrations/bob@localhost")
    check(status == 200, f"DELETE answered {status}")
    status, body = gw.http("GET", "/api/v1/registrations?user=bob")
    listed = json.loads(body)
    entries = listed["registrations"] if isinstance(listed, dict) else listed
    check(not entries, f"bob still listed after DELETE: {body}")


def test_health_and_openapi():
    status, body = gw.http("GET", "/api/v1/health")
    check(status == 200 and json.loads(body)["status"] == "healthy", f"health: {status} {body}")
    status, body = gw.http("GET", "/api/v1/openapi.json")
    check(status == 200 and json.loads(body)["openapi"].startswith("3"), "openapi.json")


run_tests(tests_in(dict(globals())), [gw])
