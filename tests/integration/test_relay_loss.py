"""A media relay killed mid-call (media.relay with two `rtcgate relay` processes, `anchor: always`,
pings every second): the gateway notices within a ping or two and ends the calls that relay held,
with a BYE to both sides, the CDR end reason `relay-lost`, an `error` event, the metrics
rtcgate_calls_ended_total{reason="relay-lost"} and rtcgate_relay_calls_lost_total; no call is left
in GET /api/v1/calls, and the next call goes to the surviving relay."""
import json
import signal
import time

from siptest import (Connection, EventSocket, Gateway, UserAgent, answering, check, expect_bye,
                     free_port, in_dialog_request, parse_args, place_call, tests_in)
from relayprocs import calls_on, run_tests_then_stop, start_relay

args = parse_args()
NG = [free_port(both=False), free_port(both=False)]
USERS = (("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw"))
relays = [f"udp://127.0.0.1:{port}" for port in NG]
gw = Gateway(args.binary, transports=("udp",), users=USERS,
             media_extra=", anchor: always, relay_ping_interval: 1, relay: [%s]"
             % ", ".join(relays))


def wait_for(predicate, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    check(False, f"{what}\n{gw.log()[-3000:]}")


relay_procs = [start_relay(args.binary, gw.dir, port) for port in NG]
gw.start()


def test_a_killed_relay_ends_its_calls_with_relay_lost():
    events = EventSocket(gw.http_port)
    alice = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    bob = answering(gw, "bob", "bobpw")
    final, dialog = place_call(alice, "bob", hangup=False)
    check(final.status == 200, f"call to bob answered {final.status}:\n{gw.log()[-3000:]}")
    call_id = dialog["call_id"]
    wait_for(lambda: any(call_id in calls_on(port) for port in NG), "the call is on a relay")
    held = NG[0] if call_id in calls_on(NG[0]) else NG[1]
    survivor = NG[1] if held == NG[0] else NG[0]
    dead = relay_procs[NG.index(held)]

    killed = time.time()
    dead.send_signal(signal.SIGKILL)
    dead.wait(10)
    # Both sides get a BYE saying why; the caller answers its own here.
    bye = expect_bye(alice, timeout=10)
    detected = time.time() - killed
    check("relay-lost" in bye.get("Reason"), f"the caller's BYE: {bye.get('Reason')!r}")
    bob.finish(wait=10)
    print(f"relay killed -> BYE at the caller after {detected:.2f} s (pings every 1 s)")

    status, body = gw.http("GET", "/api/v1/calls")
    check(status == 200 and json.loads(body)["calls"] == [], f"calls left: {body}")

    def cdr():
        status, body = gw.http("GET", "/api/v1/cdrs?limit=5")
        mine = [c for c in json.loads(body)["cdrs"] if c["call_id"] == call_id]
        return mine[0] if mine else None
    wait_for(lambda: cdr() is not None, "the call's CDR is written")
    check(cdr()["end_reason"] == "relay-lost", f"CDR: {cdr()}")
    check(gw.metric('rtcgate_calls_ended_total{reason="relay-lost"}') == 1, "ended_total")
    check(gw.metric(f'rtcgate_relay_calls_lost_total{{relay="127.0.0.1:{held}"}}') == 1,
          "calls_lost_total of the dead relay")
    check(gw.metric(f'rtcgate_relay_up{{relay="127.0.0.1:{held}"}}') == 0, "relay_up")
    def first(events, kind, what=None):
        return next((e for e in events if e.get("type") == kind and
                     (what is None or e.get("what") == what)), None)
    seen = events.read_until(lambda es: first(es, "error", "relay-lost") and
                             first(es, "call.ended") and first(es, "relay.down"), timeout=5)
    check(first(seen, "error", "relay-lost")["call_id"] == call_id, f"events: {seen}")
    check(first(seen, "call.ended")["reason"] == "relay-lost", f"events: {seen}")
    events.sock.close()

    # A BYE from the caller now finds no call (481 from the callee or the proxy's own answer),
    # and a new call goes to the relay that is left.
    carol = answering(gw, "carol", "carolpw")
    final, again = place_call(alice, "carol", hangup=False)
    check(final.status == 200, f"call after the loss answered {final.status}")
    wait_for(lambda: again["call_id"] in calls_on(survivor), "the new call is on the survivor")
    response = alice.transact(in_dialog_request(alice, again, "BYE"))
    check(response.status == 200, f"BYE answered {response.status}")
    carol.finish(wait=10)
    wait_for(lambda: calls_on(survivor) == [], "the survivor's call is deleted")


run_tests_then_stop(tests_in(dict(globals())), [gw], relay_procs)
