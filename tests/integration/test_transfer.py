"""Blind transfer through the API (POST /api/v1/calls/{id}/transfer) against the real binary,
with SIP user agents of our own (siptest) registered over UDP: alice calls bob through the
gateway, the API transfers alice to carol. alice gets a REFER in bob's name, accepts it, calls
carol as a new call through the gateway and reports over NOTIFY; the gateway answers the NOTIFYs
itself, reports each step as call.transfer, and once carol answered ends the old call with a BYE
to alice and bob. Then the same for a call placed through the API (REFER in the gateway's name),
a transferee that refuses the REFER, which leaves the call up, and an attended transfer: bob,
in a call with alice, consults carol; alice takes bob's place in that call through an INVITE with
the Replaces the gateway's REFER named."""
import json
import re
import secrets
import threading
import time
import urllib.parse

from siptest import (SDP, Callee, Connection, EventSocket, Gateway, UserAgent, check,
                     answer_incoming_call, expect_bye, in_dialog_request, parse_args,
                     place_call, run_tests, tests_in)

args = parse_args()
USERS = (("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw"))
gw = Gateway(args.binary, users=USERS, transports=("udp",)).start()


def api(method, path, body=None):
    status, text = gw.http(method, path, body)
    return status, (json.loads(text) if text else None)


def registered(user, password):
    """`user` over a fresh UDP connection, its earlier tests' bindings removed first."""
    ua = UserAgent(Connection("udp", gw.ports["udp"]), user, password=password)
    response = ua.register(expires=0, contact="*")
    check(response.status == 200, f"{user}'s REGISTER of *: {response.status}")
    response = ua.register()
    check(response.status == 200, f"{user}'s REGISTER: {response.status}")
    return ua


def only_call():
    status, reply = api("GET", "/api/v1/calls")
    check(status == 200 and len(reply["calls"]) == 1, f"calls: {status} {reply}")
    return reply["calls"][0]["id"]


def notify(ua, refer, dialog_to, routes, target, frag, terminated):
    """A NOTIFY of the REFER's subscription, in the dialog the REFER came in."""
    headers = [f"Route: {r}" for r in routes]
    headers += ["Event: refer",
                "Subscription-State: " + ("terminated;reason=noresource" if terminated
                                          else "active;expires=60"),
                "Content-Type: message/sipfrag;version=2.0", f"Contact: {ua.contact()}"]
    text = ua.request("NOTIFY", target, headers, body=frag, to=dialog_to,
                      call_id=refer.get("Call-ID"), from_tag=ua_tag_of(refer))
    response = ua.transact(text)
    check(response.status == 200, f"NOTIFY answered {response.status}")


def ua_tag_of(request):
    """Our own tag in a request sent to us: the To tag."""
    return re.search(r";tag=([^;>\s]+)", request.get("To")).group(1)


def accept_refer(ua, dialog_to, routes, target):
    """alice takes the REFER, calls its Refer-To and reports; returns the new call's dialog."""
    refer = ua.wait_request("REFER", timeout=8)
    refer_to = re.search(r"<([^>]+)>", refer.get("Refer-To")).group(1)
    check(refer_to == "sip:carol@localhost", f"Refer-To {refer.get('Refer-To')}")
    check(refer.get("Referred-By"), "the REFER names who referred")
    ua.respond(refer, 202, "Accepted")
    notify(ua, refer, dialog_to, routes, target, "SIP/2.0 100 Trying\r\n", False)
    final, new_call = place_call(ua, "carol", hangup=False)
    check(final.status == 200, f"alice's call to carol: {final.status}")
    notify(ua, refer, dialog_to, routes, target, "SIP/2.0 200 OK\r\n", True)
    return new_call


def transfer_states(events):
    return [e["state"] for e in events if e["type"] == "call.transfer"]


def test_a_proxied_call_is_transferred_to_carol():
    alice = registered("alice", "alicepw")
    bob = Callee(registered("bob", "bobpw"), bye_timeout=30)
    carol = Callee(registered("carol", "carolpw"), bye_timeout=30)
    events = EventSocket(gw.http_port, "/api/v1/events?types=call.")
    final, dialog = place_call(alice, "bob", hangup=False)
    check(final.status == 200, f"alice's call to bob: {final.status}")
    call_id = only_call()

    status, reply = api("POST", f"/api/v1/calls/{call_id}/transfer",
                        {"target": "sip:carol@localhost"})
    check(status == 202 and reply["state"] == "requested" and reply["transferee"] == "caller",
          f"transfer: {status} {reply}")
    new_call = accept_refer(alice, dialog["to"], dialog["routes"], dialog["target"])
    expect_bye(alice)  # the old call ends
    bob.finish(gw.log()[-3000:])
    events.read_until(lambda e: "completed" in transfer_states(e) and any(
        x["type"] == "call.ended" and x["call"]["id"] == call_id for x in e))
    check(transfer_states(events.events) == ["requested", "accepted", "progress", "completed"],
          f"transfer steps {transfer_states(events.events)}")
    ended = next(x for x in events.events if x["type"] == "call.ended" and x["call"]["id"] == call_id)
    check(ended["reason"] == "transferred", f"ended: {ended}")

    # alice now talks to carol, a call of its own through the gateway.
    status, reply = api("GET", "/api/v1/calls")
    check(len(reply["calls"]) == 1 and reply["calls"][0]["to"] == "sip:carol@localhost", reply)
    response = alice.transact(in_dialog_request(alice, new_call, "BYE"))
    check(response.status == 200, f"BYE to carol answered {response.status}")
    carol.finish(gw.log()[-3000:])


def test_a_refused_refer_leaves_the_call_up():
    alice = registered("alice", "alicepw")
    bob = Callee(registered("bob", "bobpw"), bye_timeout=30)
    final, dialog = place_call(alice, "bob", hangup=False)
    check(final.status == 200, f"alice's call to bob: {final.status}")
    call_id = only_call()
    status, _ = api("POST", f"/api/v1/calls/{call_id}/transfer", {"target": "sip:carol@localhost"})
    check(status == 202, f"transfer: {status}")
    refer = alice.wait_request("REFER", timeout=8)
    alice.respond(refer, 603, "Decline")
    time.sleep(0.5)
    status, call = api("GET", f"/api/v1/calls/{call_id}")
    check(status == 200 and call["state"] == "confirmed", f"the call goes on: {status} {call}")
    status, reply = api("POST", f"/api/v1/calls/{call_id}/transfer", {"target": "carol"})
    check(status == 400, f"a target that is no SIP URI: {status} {reply}")
    response = alice.transact(in_dialog_request(alice, dialog, "BYE"))
    check(response.status == 200, f"BYE answered {response.status}")
    bob.finish()


def test_an_api_placed_call_is_transferred_in_our_name():
    alice = registered("alice", "alicepw")
    bob = Callee(registered("bob", "bobpw"), bye_timeout=30)
    carol = Callee(registered("carol", "carolpw"), bye_timeout=30)
    status, reply = api("POST", "/api/v1/calls", {"from": "alice", "to": "bob"})
    check(status == 201, f"originate: {status} {reply}")
    call_id = reply["id"]
    # alice is rung first: she answers, and the gateway's ACK carries bob's answer.
    invite = alice.wait_request("INVITE", timeout=8)
    tag = secrets.token_hex(4)
    alice.respond(invite, 200, "OK", body=SDP, to_tag=tag,
                  extra=["Content-Type: application/sdp"])
    alice.wait_request("ACK", timeout=8)
    deadline = time.time() + 10
    while api("GET", f"/api/v1/calls/{call_id}")[1]["state"] != "confirmed":
        check(time.time() < deadline, "the originated call was never answered")
        time.sleep(0.2)
    status, reply = api("POST", f"/api/v1/calls/{call_id}/transfer",
                        {"target": "sip:carol@localhost", "transferee": "caller"})
    check(status == 202, f"transfer: {status} {reply}")
    # In the gateway's dialog with alice: its From is the gateway, alice's tag is the To tag.
    routes = list(invite.all("Record-Route"))
    contact = re.search(r"<([^>]+)>", invite.get("Contact")).group(1)
    new_call = accept_refer(alice, invite.get("From"), routes, contact)
    expect_bye(alice)
    bob.finish(gw.log()[-3000:])
    response = alice.transact(in_dialog_request(alice, new_call, "BYE"))
    check(response.status == 200, f"BYE to carol answered {response.status}")
    carol.finish(gw.log()[-3000:])


def in_thread(work):
    """Runs work() in a thread; the returned join() re-raises whatever it raised."""
    errors = []

    def run():
        try:
            work()
        except Exception as e:  # noqa: BLE001 - re-raised by join()
            errors.append(e)
    thread = threading.Thread(target=run)
    thread.start()

    def join(timeout=20):
        thread.join(timeout)
        check(not thread.is_alive(), "a party is still waiting")
        if errors:
            raise errors[0]
    return join


def test_an_attended_transfer_puts_the_transferee_in_the_consultation_call():
    alice = registered("alice", "alicepw")
    bob = registered("bob", "bobpw")
    carol = registered("carol", "carolpw")
    events = EventSocket(gw.http_port, "/api/v1/events?types=call.transfer")
    bob_answers = in_thread(lambda: answer_incoming_call(bob))
    final, first = place_call(alice, "bob", hangup=False)  # the customer calls the agent
    check(final.status == 200, f"alice's call to bob: {final.status}")
    bob_answers()
    consulted = {}
    carol_answers = in_thread(lambda: consulted.update(invite=answer_incoming_call(carol)))
    final, second = place_call(bob, "carol", hangup=False)  # the agent consults carol
    check(final.status == 200, f"bob's call to carol: {final.status}")
    carol_answers()
    status, reply = api("GET", "/api/v1/calls")
    ids = {c["from"]: c["id"] for c in reply["calls"]}
    first_id, second_id = ids["sip:alice@localhost"], ids["sip:bob@localhost"]

    status, reply = api("POST", f"/api/v1/calls/{first_id}/transfer", {"replaces": second_id})
    check(status == 202 and reply["replaces"] == second_id, f"transfer: {status} {reply}")
    refer = alice.wait_request("REFER", timeout=8)
    refer_to = re.search(r"<([^>]+)>", refer.get("Refer-To")).group(1)
    target, _, headers = refer_to.partition("?")
    check(target == "sip:carol@localhost" and headers.startswith("Replaces="), refer_to)
    replaces = urllib.parse.unquote(headers[len("Replaces="):])
    invite = consulted["invite"]
    expected = (f"{invite.get('Call-ID')};to-tag={invite.to_tag};"
                f"from-tag={re.search(r';tag=([^;>]+)', invite.get('From')).group(1)}")
    check(replaces == expected, f"Replaces {replaces}, carol's dialog is {expected}")
    alice.respond(refer, 202, "Accepted")

    def carol_takes_alice():
        # carol's phone swaps bob for alice: it answers the INVITE that replaces their dialog,
        # then ends that dialog with a BYE to bob.
        new = carol.wait_request("INVITE", timeout=8)
        check(new.get("Replaces") == expected, f"INVITE's Replaces: {new.get('Replaces')}")
        tag = secrets.token_hex(4)
        carol.respond(new, 200, "OK", body=SDP, to_tag=tag,
                      extra=["Content-Type: application/sdp"])
        carol.wait_request("ACK", timeout=8)
        contact = re.search(r"<([^>]+)>", invite.get("Contact")).group(1)
        bye = carol.request("BYE", contact, [f"Route: {r}" for r in invite.all("Record-Route")],
                            to=invite.get("From"), call_id=invite.get("Call-ID"),
                            from_tag=invite.to_tag)
        check(carol.transact(bye).status == 200, "bob did not take carol's BYE")
    carol_side = in_thread(carol_takes_alice)
    bob_side = in_thread(lambda: (expect_bye(bob), expect_bye(bob)))  # both of his calls end
    final, replacing = place_call(alice, "carol", hangup=False, extra=[f"Replaces: {replaces}"])
    check(final.status == 200, f"alice's INVITE with Replaces: {final.status}")
    carol_side()
    notify(alice, refer, first["to"], first["routes"], first["target"], "SIP/2.0 200 OK\r\n", True)
    expect_bye(alice)
    bob_side()
    steps = events.read_until(lambda e: any(x["state"] == "completed" for x in e))
    check(steps[0]["replaces"] == second_id, f"call.transfer {steps[0]}")
    status, reply = api("GET", "/api/v1/calls")
    check([c["from"] for c in reply["calls"]] == ["sip:alice@localhost"] and
          reply["calls"][0]["to"] == "sip:carol@localhost", f"left: {reply}")
    carol_hangs_up = in_thread(lambda: expect_bye(carol))
    check(alice.transact(in_dialog_request(alice, replacing, "BYE")).status == 200, "BYE")
    carol_hangs_up()


if __name__ == "__main__":
    run_tests(tests_in(globals()), gateways=(gw,))
