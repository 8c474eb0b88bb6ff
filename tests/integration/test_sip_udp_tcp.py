"""sipp against the real binary over UDP and TCP: digest registration, calls, CANCEL, 486,
forking, wrong passwords; the callee over TCP is our own user agent (sipp cannot register and
then answer on one connection)."""

from siptest import (Callee, Connection, Gateway, UserAgent, check, free_port, parse_args,
                     run_tests, sipp, sipp_logs, tests_in)

args = parse_args()
# sipp 3.6 answers only the first challenge and knows only MD5: the default configuration offers
# MD5 first on UDP, TCP and TLS (and SHA-256 first on WS and WSS, test_sip_tls_websocket).
gw = Gateway(args.binary).start()
UDP = gw.ports["udp"]
TCP = gw.ports["tcp"]


def register_udp(user, password, port):
    rc, logs = sipp("register.xml", UDP, port, ["-s", user, "-au", user, "-ap", password])
    check(rc == 0, f"sipp REGISTER {user} failed:\n{sipp_logs(logs)}\n{gw.log()[-3000:]}")


def unregister_all(user, password):
    ua = UserAgent(Connection("udp", UDP), user, password=password)
    response = ua.register(expires=0, contact="*")
    check(response.status == 200, f"REGISTER * for {user}: {response.status}")
    check(not response.all("Contact"), f"contacts left for {user}: {response.all('Contact')}")
    ua.c.close()


def run_pair(uas_scenario, uac_scenario, callee="bob", uas_ports=None):
    try:
        run_pair_registered(uas_scenario, uac_scenario, callee, uas_ports)
    finally:
        unregister_all(callee, "bobpw")


def run_pair_registered(uas_scenario, uac_scenario, callee, uas_ports):
    uas_ports = uas_ports or [free_port()]
    for port in uas_ports:
        register_udp(callee, "bobpw", port)
    servers = [sipp(s, UDP, p, ["-s", callee], background=True)
               for s, p in zip(uas_scenario, uas_ports)]
    rc, logs = sipp(uac_scenario, UDP, free_port(), ["-s", callee, "-au", "alice", "-ap", "alicepw"])
    results = []
    for server in servers:
        try:
            server.wait(20)
        except Exception:  # noqa: BLE001
            server.kill()
        results.append(server.returncode)
    check(rc == 0, f"UAC {uac_scenario} failed:\n{sipp_logs(logs)}\n{gw.log()[-4000:]}")
    for scenario, code in zip(uas_scenario, results):
        check(code == 0, f"UAS {scenario} failed (exit {code})\n{gw.log()[-4000:]}")


def test_register_md5_udp():
    register_udp("alice", "alicepw", free_port())


def test_wrong_password_refused():
    rc, logs = sipp("register_wrong_password.xml", UDP, free_port(),
                    ["-s", "alice", "-au", "alice", "-ap", "not-the-password"])
    check(rc == 0, f"wrong password was not refused:\n{sipp_logs(logs)}")


def test_call_udp():
    run_pair(["uas_answer.xml"], "uac_call.xml")


def test_cancel_while_ringing():
    run_pair(["uas_ring_cancel.xml"], "uac_cancel.xml")


def test_busy_forwarded():
    run_pair(["uas_busy.xml"], "uac_busy.xml")


def test_forking_two_contacts():
    run_pair(["uas_answer.xml", "uas_ring_cancel.xml"], "uac_call.xml",
             uas_ports=[free_port(), free_port()])


def test_unknown_user_404():
    ua = UserAgent(Connection("udp", UDP), "alice", password="alicepw")
    response = ua.transact(ua.request("OPTIONS", "sip:nobody@localhost"))
    check(response.status in (404, 407), f"expected 407 or 404, got {response.status}")


def test_register_tcp_sipp():
    rc, logs = sipp("register.xml", TCP, free_port(), ["-s", "alice", "-au", "alice", "-ap",
                                                        "alicepw"], transport="t1")
    check(rc == 0, f"sipp REGISTER over TCP failed:\n{sipp_logs(logs)}")


def test_call_to_tcp_callee():
    """sipp calls over TCP; bob is registered over his own TCP connection and answers on it."""
    bob = UserAgent(Connection("tcp", TCP), "bob", password="bobpw")
    response = bob.register(algorithm_pick="SHA-256")
    check(response.status == 200, f"bob's REGISTER over TCP: {response.status}")
    callee = Callee(bob)
    rc, logs = sipp("uac_call.xml", TCP, free_port(), ["-s", "bob", "-au", "alice", "-ap",
                                                       "alicepw"], transport="t1")
    callee.finish(gw.log()[-3000:])
    check(rc == 0, f"sipp UAC over TCP failed:\n{sipp_logs(logs)}\n{gw.log()[-3000:]}")
    bob.c.close()


run_tests(tests_in(dict(globals())), [gw])
