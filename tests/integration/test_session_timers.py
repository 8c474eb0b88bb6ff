"""RFC 4028 session timers through the proxy (docs/calls.md, "Session timers"): a Session-Expires
below calls.min_session_expires gets 422 with our Min-SE; a call whose session is never
refreshed is ended at expiry with BYE to both sides (a sipp UAS that answers with a session
timer and then waits for the BYE, and the caller), CDR `session-expired`; a call whose caller
refreshes with UPDATE goes on."""
import json
import re
import threading
import time

from siptest import (Connection, Gateway, UserAgent, check, expect_bye, in_dialog_request,
                     parse_args, place_call, run_tests, sipp, tests_in, wait_udp_bound)

args = parse_args()
MIN_SE = 4      # below RFC 4028's floor of 90 s: accepted with a warning, so the test is short
INTERVAL = 6    # the session interval of the calls here
gw = Gateway(args.binary, transports=("udp",),
             extra_yaml=f"calls: {{ min_session_expires: {MIN_SE} }}\n"
                        "nat: { keepalive: { interval: 0 } }\n")
gw.start()
UDP = gw.ports["udp"]
TIMER = ["Supported: timer", f"Session-Expires: {INTERVAL}"]



def cdr_reason(call_id):
    status, body = gw.http("GET", "/api/v1/cdrs")
    check(status == 200, f"/api/v1/cdrs answered {status}")
    for cdr in json.loads(body)["cdrs"]:
        if cdr.get("call_id") == call_id:
            return cdr.get("end_reason")
    return None


def test_the_floor_below_rfc_4028s_is_warned_about():
    check("calls.min_session_expires: 4 is below RFC 4028's floor" in gw.log(),
          "no warning for a Min-SE below 90 s")


def test_an_interval_below_our_min_se_gets_422():
    bob = UserAgent(Connection("udp", UDP), "bob", password="bobpw")
    check(bob.register().status == 200, "bob could not register")
    alice = UserAgent(Connection("udp", UDP), "alice", password="alicepw")
    before = gw.metric("rtcgate_proxy_session_interval_too_small_total")
    final, _ = place_call(alice, "bob", hangup=False,
                          extra=["Supported: timer", f"Session-Expires: {MIN_SE - 2}"])
    check(final.status == 422, f"a too small interval was answered {final.status}")
    check(final.get("Min-SE") == str(MIN_SE), f"422 with Min-SE {final.get('Min-SE')!r}")
    check(gw.metric("rtcgate_proxy_session_interval_too_small_total") == before + 1,
          "the 422 was not counted")
    check(bob.c.recv(0.5) is None, "the INVITE reached bob")
    check(bob.register(expires=0).status == 200, "bob could not unregister")
    alice.c.close()
    bob.c.close()


def register_for_sipp(user):
    """Registers `user` from a UDP port that a sipp UAS then takes over."""
    phone = UserAgent(Connection("udp", UDP), user, password=f"{user}pw")
    check(phone.register().status == 200, f"{user} could not register")
    port = phone.c.local[1]
    phone.c.close()
    return port


def test_a_session_never_refreshed_ends_with_bye_to_both_sides():
    port = register_for_sipp("bob")
    uas = sipp("uas_session_timer.xml", UDP, port, extra=["-key", "se", str(INTERVAL)],
               background=True, timeout=40)
    before = gw.metric("rtcgate_proxy_session_expired_total")
    try:
        wait_udp_bound(port)
        alice = UserAgent(Connection("udp", UDP), "alice", password="alicepw")
        final, dialog = place_call(alice, "bob", hangup=False, extra=TIMER)
        answered = time.time()
        check(final.status == 200, f"the call was answered {final.status}")
        check(final.get("Session-Expires").startswith(str(INTERVAL)),
              f"the 200 settled on {final.get('Session-Expires')!r}")
        # alice does not refresh; neither does bob: the proxy ends the call at expiry.
        bye = expect_bye(alice, timeout=INTERVAL + 10)
        waited = time.time() - answered
        check(INTERVAL - 0.5 <= waited <= INTERVAL + 6, f"the BYE came after {waited:.1f} s")
        check("session-expired" in bye.get("Reason"), f"BYE Reason {bye.get('Reason')!r}")
        status = uas.wait(15)
        check(status == 0, f"the sipp UAS did not get its BYE (exit {status}): "
                           f"{uas.stderr.read().decode()[-2000:]}")
        check(gw.metric("rtcgate_proxy_session_expired_total") == before + 1,
              "the expired session was not counted")
        check(not any(c["call_id"] == dialog["call_id"] for c in gw.calls()), "the call is still up")
        deadline = time.time() + 5
        while cdr_reason(dialog["call_id"]) is None and time.time() < deadline:
            time.sleep(0.2)
        check(cdr_reason(dialog["call_id"]) == "session-expired",
              f"CDR end reason {cdr_reason(dialog['call_id'])!r}")
        check(re.search(rf"call {dialog['call_id']}: session expired", gw.log()),
              "no log line naming the call")
        alice.c.close()
    finally:
        if uas.poll() is None:
            uas.terminate()
            uas.wait()


def test_a_call_refreshed_with_update_goes_on():
    bob = UserAgent(Connection("udp", UDP), "bob", password="bobpw")
    check(bob.register().status == 200, "bob could not register")
    errors = []

    def answer_and_refresh():
        try:
            invite = bob.wait_request("INVITE", 8)
            tag = "bobst"
            bob.respond(invite, 200, "OK", extra=[f"Session-Expires: {INTERVAL};refresher=uac",
                                                  "Require: timer"], to_tag=tag)
            bob.wait_request("ACK", 5)
            while True:
                request = None
                deadline = time.time() + 3 * INTERVAL
                while request is None and time.time() < deadline:
                    message = bob.c.recv(deadline - time.time())
                    if message is not None and not message.is_response:
                        request = message
                check(request is not None, "bob got neither an UPDATE nor a BYE")
                if request.method == "UPDATE":
                    bob.respond(request, 200, "OK",
                                extra=[f"Session-Expires: {INTERVAL};refresher=uac"])
                    continue
                check(request.method == "BYE", f"bob got a {request.method}")
                check(not request.get("Reason"), "the BYE was the proxy's, not alice's")
                bob.respond(request, 200, "OK")
                return
        except Exception as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    thread = threading.Thread(target=answer_and_refresh)
    thread.start()
    alice = UserAgent(Connection("udp", UDP), "alice", password="alicepw")
    final, dialog = place_call(alice, "bob", hangup=False, extra=TIMER)
    check(final.status == 200, f"the call was answered {final.status}")
    for _ in range(4):  # 4 refreshes, 2/3 of the interval apart: 16 s, well past one interval
        time.sleep(INTERVAL * 2 / 3)
        update = in_dialog_request(alice, dialog, "UPDATE")
        update = update.replace("Content-Length:",
                                f"Supported: timer\r\nSession-Expires: {INTERVAL};refresher=uac"
                                "\r\nContent-Length:")
        response = alice.transact(update)
        check(response.status == 200, f"UPDATE answered {response.status}")
    check(any(c["call_id"] == dialog["call_id"] for c in gw.calls()), "a refreshed call was ended")
    response = alice.transact(in_dialog_request(alice, dialog, "BYE"))
    check(response.status == 200, f"BYE answered {response.status}")
    thread.join(10)
    if errors:
        raise errors[0]
    alice.c.close()
    bob.c.close()


run_tests(tests_in(globals()), [gw])
