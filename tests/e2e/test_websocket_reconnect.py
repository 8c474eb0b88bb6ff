#!/usr/bin/env python3
"""A browser's call survives its WebSocket being cut (calls.reconnect_grace), in Chromium.

The demo phone (JsSIP) registers alice over WSS and calls a sipp UAS (bob, echoing RTP). The test
cuts the WebSocket with `ss -K` in its own network namespace; the phone reconnects, registers
again with the same +sip.instance and re-INVITEs with an ICE restart; media must flow again both
ways (getStats), and sipp's own BYE must reach the browser over the new WebSocket. A second
gateway with a short grace: the phone's tab is closed right after the cut, so nothing comes
back; sipp must get a BYE from the gateway after the grace and the CDR says connection-closed.

Runs in a private network namespace with only loopback; every process started here is stopped
here, by PID.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from siptest import Gateway, check, free_port, parse_args, run_tests  # noqa: E402
from sippuas import browser_calls_bob, finish, uas  # noqa: E402
from test_phone_page import Browser, enter_namespace, preflight  # noqa: E402

SHORT_GRACE = 4


def cut_websockets(port):
    """Kills both ends of every TCP connection to the gateway's WSS port, as a network would."""
    out = subprocess.run(["ss", "-K", "( sport = :%d or dport = :%d )" % (port, port)],
                         capture_output=True, text=True)
    check(out.returncode == 0, "ss -K failed: %s" % out.stderr)
    check("ESTAB" in out.stdout, "no WebSocket connection to cut:\n%s" % out.stdout)


def main():
    args = parse_args()
    args.binary = os.path.abspath(args.binary)
    preflight()
    enter_namespace()

    gw = Gateway(args.binary, transports=("udp", "wss")).start()
    short = Gateway(args.binary, transports=("udp", "wss"),
                    extra_yaml="calls: { reconnect_grace: %d }\n" % SHORT_GRACE).start()
    browser = Browser(os.path.join(gw.dir, "browser.log"))

    def test_call_survives_a_cut_websocket():
        process, logs = uas(gw, "uas_reinvite_bye.xml", free_port(), "uas")
        try:
            browser_calls_bob(browser, gw)

            cut_websockets(gw.ports["wss"])
            resumed = browser.ask(cmd="await_call", states=["confirmed"], resumed=1,
                                  timeout_ms=30000, timeout=40)
            time.sleep(3)
            after = browser.ask(cmd="stats")
            check(after["packetsSent"] - resumed["packetsSent"] > 50 and
                  after["packetsReceived"] - resumed["packetsReceived"] > 50,
                  "media did not flow both ways after the reconnect: %r then %r" %
                  (resumed, after))
            live = gw.calls()
            check(len(live) == 1, "calls after the reconnect: %r" % live)
            check(gw.metric("rtcgate_proxy_reconnects_resumed_total") == 1,
                  "the resumed call is not counted")

            # sipp hangs up 8 s after the re-INVITE: its BYE must reach the new WebSocket.
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

    def test_call_ends_after_the_grace_without_a_reconnect():
        process, logs = uas(short, "uas_answer.xml", free_port(), "uas-short")
        try:
            browser_calls_bob(browser, short)
            cut_websockets(short.ports["wss"])
            cut = time.time()
            browser.ask(cmd="close_phone")
            finish(process, logs, short, SHORT_GRACE + 20)  # sipp exits after the gateway's BYE
            waited = time.time() - cut
            check(waited >= SHORT_GRACE - 1, "BYE %.1f s after the cut, grace %d s" %
                  (waited, SHORT_GRACE))
            cdr = short.last_cdr()
            check(cdr["end_reason"] == "connection-closed", "CDR: %r" % cdr)
            check(short.metric("rtcgate_proxy_reconnects_expired_total") == 1,
                  "the expired call is not counted")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    try:
        run_tests([("test_call_survives_a_cut_websocket", test_call_survives_a_cut_websocket),
                   ("test_call_ends_after_the_grace_without_a_reconnect",
                    test_call_ends_after_the_grace_without_a_reconnect)], [gw, short])
    finally:
        browser.stop()


if __name__ == "__main__":
    main()
