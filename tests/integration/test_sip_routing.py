"""Routing policy against the real binary: static routes with failover, no open relay, loop
detection, and UDP registrations that survive a restart."""
import re
import time

from siptest import (Connection, Gateway, UserAgent, check, free_port, parse_args, run_tests,
                     sipp, sipp_logs, tests_in)

args = parse_args()
TARGET_A, TARGET_B = free_port(), free_port()
LOOP_PORT = free_port()
CLOSED_TCP, TARGET_C = free_port(), free_port()  # nothing listens on CLOSED_TCP
CLOSED_UDP, TARGET_D = free_port(), free_port()  # nothing listens on CLOSED_UDP
routes = (f"routes:\n"
          f"  - {{ match: '^9[0-9]+$', to: [sip:127.0.0.1:{TARGET_A}, sip:127.0.0.1:{TARGET_B}] }}\n"
          f"  - {{ match: '^8[0-9]+$', to: [sip:127.0.0.1:{CLOSED_TCP};transport=tcp,"
          f" sip:127.0.0.1:{TARGET_C}] }}\n"
          f"  - {{ match: '^7[0-9]+$', to: [sip:127.0.0.1:{CLOSED_UDP},"
          f" sip:127.0.0.1:{TARGET_D}] }}\n"
          f"  - {{ match: '^loop$', to: [sip:127.0.0.1:{LOOP_PORT}] }}\n")
gw = Gateway(args.binary, transports=("udp", "tcp"), extra_yaml=routes,
             fixed_ports={"udp": LOOP_PORT}).start()
UDP = gw.ports["udp"]


def test_static_route_fails_over_to_the_second_target():
    first = sipp("uas_unavailable.xml", UDP, TARGET_A, background=True)
    second = sipp("uas_answer.xml", UDP, TARGET_B, ["-s", "9001"], background=True)
    rc, logs = sipp("uac_call.xml", UDP, free_port(), ["-s", "9001", "-au", "alice", "-ap",
                                                        "alicepw"])
    first.wait(15)
    second.wait(15)
    check(rc == 0, f"call over the static route failed:\n{sipp_logs(logs)}\n{gw.log()[-3000:]}")
    check(first.returncode == 0, "first target did not get (and refuse) the call")
    check(second.returncode == 0, "second target did not answer the call")


def timed_call_answered_by(number, port):
    """Alice calls `number`, a route whose last target is a sipp UAS on `port`; returns how long
    the call took."""
    server = sipp("uas_answer.xml", UDP, port, ["-s", number], background=True)
    started = time.time()
    rc, logs = sipp("uac_call.xml", UDP, free_port(), ["-s", number, "-au", "alice", "-ap",
                                                        "alicepw"])
    elapsed = time.time() - started
    server.wait(15)
    check(rc == 0, f"call over the route failed:\n{sipp_logs(logs)}\n{gw.log()[-3000:]}")
    check(server.returncode == 0, "the second target did not answer the call")
    return elapsed


def test_refused_tcp_connect_fails_over_at_once():
    # The first target refuses the TCP connection: the branch fails then (503), not when
    # Timer B fires 32 s later, and the call goes to the second target.
    elapsed = timed_call_answered_by("8001", TARGET_C)
    check(elapsed < 10, f"the call took {elapsed:.1f} s: the refused connect waited for Timer B")


def test_icmp_port_unreachable_fails_over_at_once():
    # The first target is a UDP port nobody listens on: the kernel answers the INVITE with ICMP
    # port unreachable, which fails the branch then (503), not when sip.failover_timeout (5 s)
    # or Timer B (32 s) fires, and the call goes to the second target.
    unreachable = gw.metric("rtcgate_sip_udp_unreachable_total")
    elapsed = timed_call_answered_by("7001", TARGET_D)
    # The call itself takes about a second here (sipp's start, a 0.5 s pause before its BYE);
    # waiting for the failover timer would add 5 s.
    check(elapsed < 3, f"the call took {elapsed:.1f} s: the ICMP error was not acted on")
    check(gw.metric("rtcgate_sip_udp_unreachable_total") > unreachable, "not counted")


def test_unauthenticated_relay_refused():
    ua = UserAgent(Connection("udp", UDP), "mallory", domain="evil.example")
    response = ua.transact(ua.request("INVITE", "sip:+15551234@pstn.example",
                                      to="<sip:+15551234@pstn.example>"))
    check(response.status == 403, f"open relay: {response.status}")
    response = ua.transact(ua.request("MESSAGE", "sip:someone@192.0.2.7",
                                      to="<sip:someone@192.0.2.7>"))
    check(response.status == 403, f"open relay to an IP: {response.status}")


def test_loop_detected():
    ua = UserAgent(Connection("udp", UDP), "alice", password="alicepw")
    response = ua.register()  # any authenticated request; then call the looping route
    check(response.status == 200, f"register: {response.status}")
    from siptest import place_call
    final, _ = place_call(ua, "loop")
    check(final.status == 482, f"a request routed back to us got {final.status}, not 482")


def test_udp_registration_survives_restart():
    global gw
    port = free_port()
    rc, logs = sipp("register.xml", UDP, port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"register:\n{sipp_logs(logs)}")
    status = gw.stop()
    check(status == 0, f"rtcgate exited {status} on SIGTERM")
    gw.start()
    check(re.search(r"[1-9]\d* registrations restored", gw.log()),
          "restart did not restore the registration:\n" + gw.log()[-2000:])
    server = sipp("uas_answer.xml", UDP, port, ["-s", "bob"], background=True)
    rc, logs = sipp("uac_call.xml", UDP, free_port(), ["-s", "bob", "-au", "alice", "-ap",
                                                        "alicepw"])
    server.wait(15)
    check(rc == 0 and server.returncode == 0, f"call after restart failed:\n{sipp_logs(logs)}")


run_tests(tests_in(dict(globals())), [gw])
