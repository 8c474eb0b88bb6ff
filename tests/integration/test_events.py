"""The events API against the real binary: a WebSocket client on /api/v1/events and two webhooks
(one failing its first two POSTs) see a sipp registration and a call between two sipp instances
as registration.added, call.incoming, call.answered, call.ended."""
import http.server
import json
import threading
import time

from siptest import (EventSocket, Gateway, check, free_port, parse_args, run_tests, sipp, sipp_logs,
                     tests_in)

args = parse_args()


class Receiver:
    """A webhook receiver (python http.server) that answers 500 to its first `fail_first` POSTs."""

    def __init__(self, fail_first=0):
        self.events = []
        self.attempts = 0
        self.fail_first = fail_first
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.attempts += 1
                if receiver.attempts <= receiver.fail_first:
                    self.send_response(500)
                else:
                    receiver.events.append(json.loads(body))
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def types(self):
        return [e["type"] for e in self.events]


good = Receiver()
flaky = Receiver(fail_first=2)
gw = Gateway(args.binary, transports=("udp", "tcp"),
             extra_yaml=f"events: {{ webhooks: [{good.url}, {flaky.url}], retries: 5 }}\n").start()
UDP = gw.ports["udp"]
EXPECTED = ["registration.added", "call.incoming", "call.answered", "call.ended"]


def in_order(types, expected):
    """Whether `expected` appears in `types` as a subsequence."""
    position = 0
    for t in types:
        if position < len(expected) and t == expected[position]:
            position += 1
    return position == len(expected)


def test_plain_get_asks_for_an_upgrade():
    status, body = gw.http("GET", "/api/v1/events")
    check(status == 426, f"plain GET /api/v1/events: {status} {body}")
    status, body = gw.http("GET", "/api/v1/")
    check("/api/v1/events" in body, f"the index does not list the events endpoint: {body}")


def test_registration_and_call_reach_websocket_and_webhooks():
    stream = EventSocket(gw.http_port, "/api/v1/events?types=call.,registration.")
    check(stream.status == 101, f"WebSocket handshake answered {stream.status}")
    everything = EventSocket(gw.http_port)
    check(everything.status == 101, f"WebSocket handshake answered {everything.status}")

    bob_port = free_port()
    rc, logs = sipp("register.xml", UDP, bob_port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"register:\n{sipp_logs(logs)}")
    callee = sipp("uas_answer.xml", UDP, bob_port, ["-s", "bob"], background=True)
    rc, logs = sipp("uac_call.xml", UDP, free_port(), ["-s", "bob", "-au", "alice", "-ap",
                                                        "alicepw"])
    callee.wait(15)
    check(rc == 0 and callee.returncode == 0, f"call failed:\n{sipp_logs(logs)}")

    events = stream.read_until(lambda e: in_order([x["type"] for x in e], EXPECTED))
    check(all(t.startswith(("call.", "registration.")) for t in stream.types()),
          f"the filter let through {stream.types()}")
    registration = next(e for e in events if e["type"] == "registration.added")
    check(registration["aor"].startswith("bob@") and registration["transport"] == "udp"
          and registration["source"] == f"127.0.0.1:{bob_port}"
          and registration["expires"] > 0 and registration["time"] > 1.6e12,
          f"registration event: {registration}")
    answered = next(e for e in events if e["type"] == "call.answered")
    check("bob" in answered["call"]["callee"]["uri"] and "alice" in answered["call"]["caller"]["uri"],
          f"call.answered: {answered}")
    ended = next(e for e in events if e["type"] == "call.ended")
    check(ended["call"]["id"] == answered["call"]["id"] and ended["code"] == 200
          and ended["reason"], f"call.ended: {ended}")
    # Both sipp ends offer and answer PCMU alone; no a=ptime: 20 ms (RFC 3551).
    for event in (answered, ended):
        for side in ("from_caller", "from_callee"):
            media = event["call"]["media"][side]
            check(media["codec"] == "PCMU" and media["clock_rate"] == 8000
                  and media["payload_type"] == 0 and media["ptime"] == 20,
                  f"{event['type']} {side} codec: {event}")
    everything.read_until(lambda e: in_order([x["type"] for x in e], EXPECTED))

    # Webhooks: the same events, in order; the flaky one after two failed attempts (0.5 s + 1 s).
    deadline = time.time() + 15
    while time.time() < deadline and not (in_order(good.types(), EXPECTED)
                                          and in_order(flaky.types(), EXPECTED)):
        time.sleep(0.1)
    check(in_order(good.types(), EXPECTED), f"webhook got {good.types()}")
    check(in_order(flaky.types(), EXPECTED), f"flaky webhook got {flaky.types()}")
    check(flaky.attempts == len(flaky.events) + 2, f"flaky webhook: {flaky.attempts} attempts "
          f"for {len(flaky.events)} events")
    check(good.types() == flaky.types() and good.events == flaky.events,
          f"webhooks disagree: {good.types()} vs {flaky.types()}")
    filtered = [t for t in good.types() if t.startswith(("call.", "registration."))]
    check(filtered[:len(stream.types())] == stream.types(),
          f"WebSocket {stream.types()} vs webhook {good.types()}")
    status, metrics = gw.http("GET", "/metrics")
    values = {line.split()[0]: float(line.split()[1]) for line in metrics.splitlines()
              if line.startswith("rtcgate_events_")}
    check(values.get("rtcgate_events_published_total", 0) >= len(EXPECTED)
          and values.get("rtcgate_events_webhook_retries_total") == 2
          and values.get("rtcgate_events_webhook_failures_total") == 0
          and values.get("rtcgate_events_subscribers") == 4, f"event metrics: {values}")
    print("events:", good.types())
    print("call.ended:", json.dumps(ended))


def test_gateway_stop_closes_the_stream():
    stream = EventSocket(gw.http_port)
    check(stream.status == 101, f"WebSocket handshake answered {stream.status}")
    time.sleep(0.2)
    gw.process.proc.send_signal(__import__("signal").SIGTERM)
    # 1001 when the close frame makes it out before the loop stops, else the connection just ends.
    code = stream.close_code()
    check(code in (1001, None), f"close code {code}")
    print("close code:", code)
    status = gw.stop()
    check(status == 0, f"rtcgate exited {status}")
    gw.start()


run_tests(tests_in(dict(globals())), [gw])
