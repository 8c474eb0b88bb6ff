"""Several ng relays behind one `rtcgate run` (media.relay with two `rtcgate relay` processes,
`anchor: always` so that plain SIP calls use them), checked through each relay's own ng `list`:
  - two calls at once go to different relays (the least-loaded live one), and
    GET /api/v1/calls/{id} shows each one's media from the relay that holds it;
  - the relays keep their calls while `rtcgate run` restarts, and a BYE after the restart still
    deletes the call on the relay that holds it (the restarted gateway asks every relay);
  - with one relay killed, a new call is placed on the other one."""
import json
import threading

from siptest import (Connection, Gateway, UserAgent, answering, check, free_port,
                     in_dialog_request, parse_args, place_call, tests_in)
from relayprocs import calls_on, run_tests_then_stop, start_relay

args = parse_args()
NG = [free_port(both=False), free_port(both=False)]
USERS = (("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw"), ("dave", "davepw"))
relays = [f"udp://127.0.0.1:{port}" for port in NG]
gw = Gateway(args.binary, transports=("udp",), users=USERS,
             media_extra=", anchor: always, relay: [%s]" % ", ".join(relays))


relay_procs = [start_relay(args.binary, gw.dir, port) for port in NG]
gw.start()


def call(caller, callee):
    final, dialog = place_call(caller, callee, hangup=False)
    check(final.status == 200, f"call to {callee} answered {final.status}:\n{gw.log()[-3000:]}")
    return dialog


def hang_up(caller, dialog):
    response = caller.transact(in_dialog_request(caller, dialog, "BYE"))
    check(response.status == 200, f"BYE answered {response.status}")


def wait_calls(ng_port, count, what):
    for _ in range(50):
        if len(calls_on(ng_port)) == count:
            return
        threading.Event().wait(0.1)
    check(False, f"{what}: relay {ng_port} holds {calls_on(ng_port)}, expected {count} calls")


def check_media_shown(call_ids):
    """GET /api/v1/calls/{id} of each call has a "media" object: its relay answered the query."""
    by_call_id = {call["call_id"]: call["id"] for call in gw.calls()}
    for call_id in call_ids:
        status, body = gw.http("GET", f"/api/v1/calls/{by_call_id[call_id]}")
        check(status == 200, f"GET the call answered {status}: {body}")
        call = json.loads(body)
        check("media" in call, f"no media quality for {call_id} (relay 1 holds "
                               f"{calls_on(NG[0])}, relay 2 {calls_on(NG[1])}): {call}")


def test_calls_spread_restart_and_failover():
    alice = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    bob, carol = answering(gw, "bob", "bobpw"), answering(gw, "carol", "carolpw")
    to_bob = call(alice, "bob")
    to_carol = call(alice, "carol")
    wait_calls(NG[0], 1, "two calls, two relays")
    wait_calls(NG[1], 1, "two calls, two relays")
    bob_relay = NG[0] if to_bob["call_id"] in calls_on(NG[0]) else NG[1]
    carol_relay = NG[1] if bob_relay == NG[0] else NG[0]
    check_media_shown([to_bob["call_id"], to_carol["call_id"]])

    status = gw.stop()
    check(status == 0, f"rtcgate exited {status} on SIGTERM")
    wait_calls(bob_relay, 1, "the gateway is down")
    wait_calls(carol_relay, 1, "the gateway is down")
    gw.start()
    hang_up(alice, to_bob)
    bob.finish(wait=35)
    wait_calls(bob_relay, 0, "BYE after the gateway's restart")
    wait_calls(carol_relay, 1, "the other call is untouched")

    hang_up(alice, to_carol)
    carol.finish(wait=35)
    wait_calls(carol_relay, 0, "second BYE")
    dead = relay_procs[NG.index(carol_relay)]
    dead.terminate()
    dead.wait(10)
    dave = answering(gw, "dave", "davepw")
    to_dave = call(alice, "dave")
    wait_calls(bob_relay, 1, "a new call with one relay dead")
    hang_up(alice, to_dave)
    dave.finish(wait=35)
    wait_calls(bob_relay, 0, "the last BYE")


run_tests_then_stop(tests_in(dict(globals())), [gw], relay_procs)
