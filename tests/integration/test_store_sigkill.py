"""Nothing acknowledged is lost when `rtcgate run` is killed (docs/store.md, "Durability"):
registrations answered 200 over UDP and over TCP without outbound (a contact binding, reached
by a new connection after the restart) and the CDRs of finished sipp calls are all in the store
after a SIGKILL and a restart on the same store; a restored UDP binding takes a call at once."""
import json
import os
import signal
import time

from siptest import (Callee, Connection, Gateway, UserAgent, check, free_port, parse_args,
                     place_call, run_tests, sipp, sipp_logs, tests_in)

args = parse_args()
UDP_USERS = [f"u{i}" for i in range(6)]
TCP_USERS = ["t0", "t1"]
CALLS = 3
gw = Gateway(args.binary, transports=("udp", "tcp"),
             users=[(u, f"{u}pw") for u in UDP_USERS + TCP_USERS + ["alice", "bob"]])
gw.start()
UDP, TCP = gw.ports["udp"], gw.ports["tcp"]


def api(path):
    status, body = gw.http("GET", path)
    check(status == 200, f"{path} answered {status}: {body}")
    return json.loads(body)


def bindings():
    return {(r["aor"].split("@")[0].removeprefix("sip:"), r["transport"])
            for r in api("/api/v1/registrations")["registrations"]}


def cdrs():
    return api("/api/v1/cdrs?limit=1000")["cdrs"]


def register(transport, port, user):
    ua = UserAgent(Connection(transport, port), user, password=f"{user}pw")
    # Over TCP a Contact of its own listening port, not the connection's source port: that is
    # what comes back after a restart (reached by a new connection), docs/calls.md.
    contact = (f"<sip:{user}@127.0.0.1:{free_port()};transport=tcp>" if transport == "tcp"
               else None)
    response = ua.register(expires=600, contact=contact)
    check(response.status == 200, f"REGISTER {user} over {transport}: {response.status}")
    return ua


def sipp_call(uas_port):
    server = sipp("uas_answer.xml", UDP, uas_port, ["-s", "bob"], background=True)
    rc, logs = sipp("uac_call.xml", UDP, free_port(), ["-s", "bob", "-au", "alice", "-ap",
                                                       "alicepw"])
    server.wait(20)
    check(rc == 0 and server.returncode == 0,
          f"sipp call failed (uac {rc}, uas {server.returncode}):\n{sipp_logs(logs)}\n"
          f"{gw.log()[-3000:]}")


def test_sigkill_loses_no_acknowledged_registration_or_cdr():
    uas_port = free_port()
    rc, logs = sipp("register.xml", UDP, uas_port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"sipp REGISTER bob failed:\n{sipp_logs(logs)}")
    for _ in range(CALLS):
        sipp_call(uas_port)
    # A CDR is written when the call has ended on both sides (after the relay's media report);
    # the API lists what the store holds.
    deadline = time.time() + 10
    while len(cdrs()) < CALLS and time.time() < deadline:
        time.sleep(0.1)
    before_cdrs = cdrs()
    check(len(before_cdrs) == CALLS, f"{len(before_cdrs)} CDRs before the kill, not {CALLS}")
    # The kill comes right after the last 200: a binding written after its 200 (or later, by a
    # timer) would be lost.
    udp_agents = [register("udp", UDP, user) for user in UDP_USERS]
    tcp_agents = [register("tcp", TCP, user) for user in TCP_USERS]
    os.kill(gw.process.proc.pid, signal.SIGKILL)
    gw.process.proc.wait(5)
    expected = ({(u, "udp") for u in UDP_USERS + ["bob"]} | {(u, "tcp") for u in TCP_USERS})
    for agent in tcp_agents:
        agent.c.close()
    gw.start()

    check(bindings() == expected,
          f"bindings after SIGKILL and restart: {sorted(bindings())}, expected {sorted(expected)}"
          f"\n{gw.log()[-3000:]}")
    after = {c["call_id"] for c in cdrs()}
    check(after == {c["call_id"] for c in before_cdrs},
          f"CDRs after SIGKILL and restart: {sorted(after)}\n{gw.log()[-3000:]}")
    # The restored UDP binding is live: a call to it reaches the phone.
    caller = UserAgent(Connection("udp", UDP), "alice", password="alicepw")
    callee = Callee(udp_agents[0])
    final, _ = place_call(caller, UDP_USERS[0])
    check(final.status == 200, f"call to the restored {UDP_USERS[0]}: {final.status}")
    callee.finish(gw.log()[-3000:])


run_tests(tests_in(globals()), [gw])
