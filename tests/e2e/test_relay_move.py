#!/usr/bin/env python3
"""A browser's call moves to another relay when its relay dies, in Chromium.

The gateway has two `rtcgate relay` processes (media.relay, pings every second). The demo phone
(JsSIP) registers alice over WSS and calls a sipp UAS (bob, echoing RTP); the call's media goes
through one relay. The test SIGKILLs that relay: the gateway re-INVITEs bob, then the browser,
with the surviving relay's SDP (new ICE credentials and DTLS fingerprint), and media must flow
again both ways through the survivor (getStats). sipp then hangs up: its BYE, numbered past the
gateway's re-INVITE in bob's name, must end the call in the browser.

Runs in a private network namespace with only loopback; every process started here is stopped
here, by PID.
"""
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from siptest import Gateway, check, free_port, parse_args, run_tests  # noqa: E402
from test_phone_page import Browser, enter_namespace, preflight  # noqa: E402
from sippuas import browser_calls_bob, finish, uas  # noqa: E402


def main():
    args = parse_args()
    args.binary = os.path.abspath(args.binary)
    preflight()
    enter_namespace()

    from relayprocs import calls_on, start_relay  # after the namespace: relays live in it

    ng = [free_port(both=False), free_port(both=False)]
    relays = ", ".join(f"udp://127.0.0.1:{port}" for port in ng)
    gw = Gateway(args.binary, transports=("udp", "wss"),
                 media_extra=f", relay_ping_interval: 1, relay: [{relays}]")
    relay_procs = [start_relay(args.binary, gw.dir, port) for port in ng]
    gw.start()
    browser = Browser(os.path.join(gw.dir, "browser.log"))

    def test_browser_call_moves_to_the_surviving_relay():
        process, logs = uas(gw, "uas_reinvite_bye.xml", free_port(), "uas")
        try:
            browser_calls_bob(browser, gw)
            call_id = gw.calls()[0]["call_id"]
            held = next(p for p in ng if call_id in calls_on(p))
            survivor = next(p for p in ng if p != held)
            dead = relay_procs[ng.index(held)]
            dead.send_signal(signal.SIGKILL)
            dead.wait(10)
            killed = time.time()

            deadline = time.time() + 20
            while time.time() < deadline and gw.metric("rtcgate_proxy_relay_moves_total") < 1:
                time.sleep(0.2)
            check(gw.metric("rtcgate_proxy_relay_moves_total") == 1,
                  "the call did not move:\n%s" % gw.log()[-4000:])
            print("relay killed -> call moved after %.2f s" % (time.time() - killed))
            check(call_id in calls_on(survivor), "the call is not on the surviving relay")
            before = browser.ask(cmd="stats")
            time.sleep(3)
            after = browser.ask(cmd="stats")
            check(after["packetsSent"] - before["packetsSent"] > 50 and
                  after["packetsReceived"] - before["packetsReceived"] > 50,
                  "media did not flow both ways through the survivor: %r then %r\n%s" %
                  (before, after, gw.log()[-3000:]))

            # sipp hangs up 8 s after the re-INVITE: its BYE must end the browser's call.
            ended = browser.ask(cmd="await_call", states=["ended", "failed"], timeout_ms=30000,
                                timeout=40)
            check(ended["state"] == "ended", "the call did not end with sipp's BYE: %r" % ended)
            finish(process, logs, gw, 30)
            cdr = gw.last_cdr()
            check(cdr["end_reason"] == "callee-bye", "CDR: %r" % cdr)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    try:
        run_tests([("test_browser_call_moves_to_the_surviving_relay",
                    test_browser_call_moves_to_the_surviving_relay)], [gw])
    finally:
        browser.stop()
        for proc in relay_procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)


if __name__ == "__main__":
    main()
