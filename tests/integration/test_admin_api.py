"""The management API of the real binary while sipp registers and calls: /metrics parses as
Prometheus text and its counters move with the traffic (a call anchored in the embedded relay,
media.anchor: always, moves the relay packet and byte counters, the call set-up histogram and
the end reasons), registrations are listed and can be removed, health is served, and the OpenAPI
document describes exactly the routes the index lists."""
import json
import re

from siptest import (Gateway, check, free_port, parse_args, run_tests, sipp, sipp_logs,
                     tests_in)

args = parse_args()
gw = Gateway(args.binary, transports=("udp", "tcp"), media_extra=", anchor: always").start()
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
        name = match.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in typed else name
        check(family in typed, f"sample before its TYPE: {line!r}")
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
                        ('rtcgate_sip_messages_received_total{transport="udp"}', 8),
                        ('rtcgate_sip_requests_total{method="INVITE",transport="udp"}', 2),
                        ('rtcgate_sip_requests_total{method="REGISTER",transport="udp"}', 2),
                        ('rtcgate_sip_responses_total{class="2xx",transport="udp"}', 2),
                        ('rtcgate_sip_responses_sent_total{class="4xx"}', 2),
                        ("rtcgate_proxy_processing_seconds_count", 8)):
        grown = after.get(name, 0) - before.get(name, 0)
        check(grown >= least, f"{name} grew by {grown}, expected at least {least}")
    check(after.get("rtcgate_registered_contacts", 0) >= 1, "registered contacts gauge is 0")


def test_relay_and_call_metrics_move_with_a_call_through_the_relay():
    before = metrics()
    check(before.get('rtcgate_relay_up{relay="embedded"}') == 1, "embedded relay not up")
    io = [name for name, value in before.items()
          if name.startswith('rtcgate_relay_packet_io{relay="embedded",io=') and value == 1]
    check(io in (['rtcgate_relay_packet_io{relay="embedded",io="io_uring"}'],
                 ['rtcgate_relay_packet_io{relay="embedded",io="epoll"}']),
          f"the embedded relay's packet I/O: {io}")
    bob_port = free_port()
    rc, logs = sipp("register.xml", UDP, bob_port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"register:\n{sipp_logs(logs)}")
    # bob plays a G.711 pcap once the ACK is in; alice echoes it until her BYE.
    callee = sipp("uas_answer_play.xml", UDP, bob_port,
                  ["-s", "bob", "-mi", "127.0.0.1", "-mp", str(free_port(both=False))],
                  background=True)
    rc, logs = sipp("uac_call.xml", UDP, free_port(),
                    ["-s", "bob", "-au", "alice", "-ap", "alicepw", "-mi", "127.0.0.1", "-mp",
                     str(free_port(both=False)), "-rtp_echo"])
    callee.wait(20)
    check(rc == 0, f"call:\n{sipp_logs(logs)}")
    after = metrics()

    def grown(name):
        return after.get(name, 0) - before.get(name, 0)

    relay = '{relay="embedded"}'
    check(grown("rtcgate_relay_packets_total" + relay) > 0, "no relay packets counted")
    check(grown("rtcgate_relay_bytes_total" + relay) >= 100 * grown(
        "rtcgate_relay_packets_total" + relay), "relay bytes do not match G.711 packets")
    check(after.get("rtcgate_relay_sessions" + relay) == 0, "the relay session is still counted")
    check(grown("rtcgate_call_setup_seconds_count") == 1, "call set-up histogram did not move")
    check(grown('rtcgate_call_setup_seconds_bucket{le="+Inf"}') == 1, "no +Inf bucket sample")
    check(0 <= grown("rtcgate_call_setup_seconds_sum") < 5, "implausible set-up time")
    check(grown("rtcgate_calls_started_total") == 1 and grown("rtcgate_calls_answered_total") == 1,
          "calls started/answered did not move")
    check(grown('rtcgate_calls_ended_total{reason="caller-bye"}') == 1, "end reason not counted")
    check(after.get('rtcgate_calls_live{state="confirmed"}') == 0, "a call is still live")
    print("relay packets:", grown("rtcgate_relay_packets_total" + relay),
          "bytes:", grown("rtcgate_relay_bytes_total" + relay),
          "set-up seconds:", round(grown("rtcgate_call_setup_seconds_sum"), 4))


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
    documented = {(method.upper(), path) for path, operations in json.loads(body)["paths"].items()
                  for method in operations}
    status, body = gw.http("GET", "/api/v1/")
    check(status == 200, f"index answered {status}")
    served = {(route["method"], route["path"]) for route in json.loads(body)["routes"]}
    check(served - documented == set(), f"routes missing from openapi.json: {served - documented}")
    check(documented - served == set(), f"openapi.json documents no route: {documented - served}")


run_tests(tests_in(dict(globals())), [gw])
