"""Originate (POST /api/v1/calls, `rtcgate ctl originate`) against the real binary: two sipp UASs
registered as alice and bob; the gateway calls alice, then bob with alice's offer, and bridges
them through its embedded relay (media.anchor: always). bob plays a G.711 pcap, alice echoes it:
the relay counts packets from both. DELETE /api/v1/calls/{id} then ends both with a BYE; the
events stream sees the call from incoming to ended. Refusals: unknown parties, bad bodies."""
import http.client
import json
import re
import subprocess
import time

from siptest import (Connection, EventSocket, Gateway, UserAgent, check, free_port, parse_args,
                     run_tests, sipp, tests_in, wait_udp_bound)

args = parse_args()
gw = Gateway(args.binary, transports=("udp",), media_extra=", anchor: always").start()


def api(method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", gw.http_port, timeout=5)
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Content-Type": "application/json"} if method != "GET" else {})
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, (json.loads(text) if text else None)


def register_port(user, password):
    """REGISTERs `user` from a fresh UDP port (digest auth), then frees the port for sipp."""
    connection = Connection("udp", gw.ports["udp"])
    port = connection.local[1]
    registered = UserAgent(connection, user, password=password).register(expires=300)
    connection.close()
    check(registered.status == 200, f"REGISTER {user} answered {registered.status}")
    return port


def start_uas(scenario, port, extra=()):
    return sipp(scenario, gw.ports["udp"], port, extra=("-mi", "127.0.0.1", "-mp",
                                                        str(free_port(both=False)), *extra),
                timeout=40, background=True)


def wait_state(call_id, state, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, call = api("GET", f"/api/v1/calls/{call_id}")
        if status == 200 and call["state"] == state:
            return call
        time.sleep(0.2)
    raise AssertionError(f"call {call_id} never reached {state}; log:\n{gw.log()[-3000:]}")


def finish(process, name):
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"sipp {name} did not finish (no BYE?)")
    check(process.returncode == 0, f"sipp {name} exited {process.returncode}: {err.decode()[-2000:]}")


def test_originate_bridges_two_registered_phones_through_the_relay():
    alice_port = register_port("alice", "alicepw")
    bob_port = register_port("bob", "bobpw")
    events = EventSocket(gw.http_port, "/api/v1/events?types=call.")
    alice = start_uas("uas_answer.xml", alice_port, extra=("-rtp_echo",))
    bob = start_uas("uas_answer_play.xml", bob_port)
    wait_udp_bound(alice_port)
    wait_udp_bound(bob_port)

    status, reply = api("POST", "/api/v1/calls", {"from": "alice", "to": "bob"})
    check(status == 201 and isinstance(reply.get("id"), int), f"originate: {status} {reply}")
    call_id = reply["id"]
    call = wait_state(call_id, "confirmed")
    check(call["from"] == "sip:alice@localhost" and call["to"] == "sip:bob@localhost", call)

    # bob plays the pcap (50 packets/s); alice echoes: both directions go through the relay.
    deadline = time.time() + 10
    while time.time() < deadline:
        _, call = api("GET", f"/api/v1/calls/{call_id}")
        media = call.get("media", {})
        if (media.get("from_caller", {}).get("packets", 0) > 50
                and media.get("from_callee", {}).get("packets", 0) > 50):
            break
        time.sleep(0.5)
    check(call.get("media", {}).get("from_callee", {}).get("packets", 0) > 50,
          f"no media from bob through the relay: {call}")
    check(call["media"]["from_caller"]["packets"] > 50, f"no echo from alice: {call}")
    # An API-placed call has the codec of each direction too, named by the SDPs (both sipp ends
    # speak PCMU); bob's pcap is in 20 ms packets, as the relay measures them (alice's echo
    # repacketises: its step is whatever sipp makes of it).
    for side in ("from_caller", "from_callee"):
        check(call["media"][side]["codec"] == "PCMU" and call["media"][side]["ptime"] > 0,
              f"{side}: {call['media']}")
    check(call["media"]["from_callee"]["ptime"] == 20, f"bob's packets: {call['media']}")
    print("media through the relay:", json.dumps(call["media"]))

    status, _ = api("DELETE", f"/api/v1/calls/{call_id}")
    check(status == 200, f"hangup answered {status}")
    finish(alice, "alice")
    finish(bob, "bob")
    seen = events.read_until(lambda e: any(x["type"] == "call.ended" for x in e))
    types = [e["type"] for e in seen]
    check(types[0] == "call.incoming" and "call.answered" in types, f"events: {types}")
    ended = [e for e in seen if e["type"] == "call.ended"][0]
    check(ended.get("reason") == "api-hangup", f"ended event: {ended}")
    status, calls = api("GET", "/api/v1/calls")
    check(calls["calls"] == [], f"calls left over: {calls}")


def test_ctl_originate_prints_the_call_id_and_a_busy_callee_ends_it():
    alice_port = register_port("alice", "alicepw")
    bob_port = register_port("bob", "bobpw")
    alice = start_uas("uas_answer.xml", alice_port)
    bob = start_uas("uas_busy.xml", bob_port)
    wait_udp_bound(alice_port)
    wait_udp_bound(bob_port)
    out = subprocess.run([args.binary, "ctl", "--api", f"http://127.0.0.1:{gw.http_port}",
                          "originate", "alice", "sip:bob@localhost"],
                         capture_output=True, text=True, timeout=20)
    check(out.returncode == 0, f"ctl originate exited {out.returncode}: {out.stderr}")
    match = re.match(r"call (\d+) started: alice -> sip:bob@localhost", out.stdout)
    check(match, f"ctl output: {out.stdout!r}")
    finish(bob, "bob (busy)")
    finish(alice, "alice (ACK and BYE after bob's 486)")
    deadline = time.time() + 5
    while time.time() < deadline:
        status, _ = api("GET", f"/api/v1/calls/{match.group(1)}")
        if status == 404:
            break
        time.sleep(0.2)
    check(status == 404, "the failed call is still listed")
    status, cdrs = api("GET", "/api/v1/cdrs")
    check(status == 200, f"cdrs: {status}")
    reasons = [c.get("end_reason") or c.get("reason") for c in cdrs.get("cdrs", cdrs)]
    check("busy" in reasons, f"no busy CDR: {cdrs}")


def test_unknown_parties_and_bad_bodies_are_refused():
    status, reply = api("POST", "/api/v1/calls", {"from": "nobody", "to": "bob"})
    check(status == 404 and "from" in reply["error"], f"unknown from: {status} {reply}")
    status, reply = api("POST", "/api/v1/calls", {"from": "alice"})
    check(status == 400, f"missing to: {status} {reply}")
    connection = http.client.HTTPConnection("127.0.0.1", gw.http_port, timeout=5)
    connection.request("POST", "/api/v1/calls", body="{not json",
                       headers={"Content-Type": "application/json"})
    check(connection.getresponse().status == 400, "bad JSON accepted")


run_tests(tests_in(globals()), [gw])
