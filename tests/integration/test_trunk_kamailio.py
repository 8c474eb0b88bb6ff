"""Kamailio as the carrier (registrar with digest on REGISTER and INVITE, on 127.0.0.2) and
rtcgate's trunk to it:
  - the trunk registers (the carrier's 401 answered with the trunk's credentials) and shows as
    registered in GET /api/v1/trunks and the metrics;
  - a phone's call to a national number goes out through the trunk: the number rewritten by the
    route (strip 1, prefix +44), the carrier's 407 answered by rtcgate (the phone never sees it),
    our caller id in From and P-Asserted-Identity (Kamailio logs what it authenticated and saw);
  - the carrier's call to the trunk's number (sent to our registered Contact) reaches the phone
    the DID maps to.
Only loopback addresses; every process started here is stopped here."""
import json
import os
import re
import secrets
import shutil
import time

from kamailio_carrier import kamailio_argv, kamailio_carrier_cfg
from siptest import (SDP, Callee, Connection, Gateway, Process, UserAgent, answering, check,
                     free_port, parse_args, place_call, run_tests, tests_in)

args = parse_args()
CARRIER = "127.0.0.2"    # Kamailio
PSTN_CALLEE = "127.0.0.3"  # who the carrier sends our outbound calls to
PSTN_CALLER = "127.0.0.4"  # who calls our number through the carrier
PASSWORD = "tr-" + secrets.token_hex(4)
SECOND = "127.0.0.5"      # the carrier's second instance
KPORT, KPORT2, CALLEE_PORT = free_port(), free_port(), free_port()

TRUNK = f"""trunks:
  - name: carrier
    address: [sip:{CARRIER}:{KPORT}, sip:{SECOND}:{KPORT2}]
    options_ping: 1
    username: acme
    password: {PASSWORD}
    register: {{ expires: 120 }}
    from_user: "+15551230000"
    inbound:
      dids: {{ "acme": bob }}
routes:
  - {{ match: '^0[0-9]+$', trunk: carrier, strip: 1, prefix: "+44" }}
"""

workdir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "rtcgate-trunk-" + secrets.token_hex(4))
os.makedirs(workdir)


def start_kamailio(name, listen):
    directory = os.path.join(workdir, name)
    os.makedirs(directory)
    config = os.path.join(directory, "kamailio.cfg")
    with open(config, "w") as f:
        f.write(kamailio_carrier_cfg(listen, PASSWORD, PSTN_CALLER,
                                     f"{PSTN_CALLEE}:{CALLEE_PORT}"))
    return Process(kamailio_argv(config, directory), os.path.join(directory, "kamailio.log"))


kamailio = start_kamailio("first", f"{CARRIER}:{KPORT}")
kamailio2 = start_kamailio("second", f"{SECOND}:{KPORT2}")
time.sleep(1.0)  # their children fork before the trunk's first REGISTER
for instance in (kamailio, kamailio2):
    check(instance.proc.poll() is None, f"kamailio did not start:\n{instance.output()[-3000:]}")
gw = Gateway(args.binary, transports=("udp",), extra_yaml=TRUNK).start()


def carrier_log(pattern, timeout=5.0, instance=None):
    """The first line of a Kamailio's log matching `pattern` (waits for it)."""
    instance = instance or kamailio
    deadline = time.time() + timeout
    while time.time() < deadline:
        for line in instance.output().splitlines():
            if re.search(pattern, line):
                return line
        time.sleep(0.1)
    raise AssertionError(f"kamailio never logged {pattern!r}:\n{kamailio.output()[-3000:]}")


def trunk_state():
    status, body = gw.http("GET", "/api/v1/trunks")
    check(status == 200, f"GET /api/v1/trunks: {status}")
    return json.loads(body)["trunks"][0]["registration"]


def test_the_trunk_registers_with_the_carriers_challenge_answered():
    deadline = time.time() + 10
    while trunk_state()["state"] != "registered" and time.time() < deadline:
        time.sleep(0.2)
    state = trunk_state()
    check(state["state"] == "registered", f"trunk state {state}\n{gw.log()[-3000:]}")
    check(state["expires_in"] > 60, f"granted {state}")
    carrier_log(r"CARRIER REGISTER au=acme ct=<sip:acme@127\.0\.0\.1:")
    check(gw.metric("rtcgate_trunk_registered", 'trunk="carrier"') == 1, "metric not 1")
    check(PASSWORD not in gw.http("GET", "/api/v1/trunks")[1], "the API shows the password")


def test_a_call_to_a_number_goes_out_through_the_trunk_with_our_caller_id():
    callee = Callee(UserAgent(Connection("udp", KPORT, host=CARRIER,
                                         local=(PSTN_CALLEE, CALLEE_PORT)), "pstn"))
    alice = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    final, _ = place_call(alice, "02079460000")
    callee.finish(gw.log()[-3000:] + kamailio.output()[-3000:])
    check(final.status == 200, f"call through the trunk: {final.status}\n{gw.log()[-3000:]}")
    check("carrier.test" not in str(final.all("Proxy-Authenticate")), "the caller saw a challenge")
    line = carrier_log(r"CARRIER INVITE")
    check("au=acme ruri=+442079460000 from=+15551230000 pai=sip:+15551230000@" in line, line)
    check(gw.metric("rtcgate_proxy_trunk_challenges_answered_total") >= 1, "no challenge counted")
    check("sip:alice@localhost" in final.get("From"),
          f"the caller got the trunk's caller id back: {final.get('From')}")
    line = carrier_log(r"CARRIER IN-DIALOG BYE")
    check("from=+15551230000" in line, f"the caller's BYE did not keep the caller id: {line}")


def test_the_carriers_call_to_our_number_reaches_the_mapped_user():
    bob = answering(gw, "bob", "bobpw")
    caller = UserAgent(Connection("udp", KPORT, host=CARRIER, local=(PSTN_CALLER, 0)), "+44207",
                       domain="carrier.test")
    uri = "sip:+15551230000@carrier.test"
    call_id = secrets.token_hex(8)
    final = caller.transact(caller.request("INVITE", uri, [f"Contact: {caller.contact()}",
                                                          "Content-Type: application/sdp"],
                                           body=SDP, call_id=call_id, to=f"<{uri}>"), timeout=8)
    check(final.status == 200, f"the carrier's call: {final.status}\n{gw.log()[-3000:]}")
    carrier_log(r"CARRIER DELIVERS to=\+15551230000 ruri=sip:acme@127\.0\.0\.1:")
    routes = list(reversed(final.all("Record-Route")))
    target = re.search(r"<([^>]+)>", final.get("Contact")).group(1)
    dialog = {"call_id": call_id, "to": final.get("To"), "routes": routes, "target": target}
    caller.c.send(caller.request("ACK", target, [f"Route: {r}" for r in routes],
                                 to=final.get("To"), call_id=call_id, cseq=caller.cseq))
    time.sleep(0.3)
    response = caller.transact(caller.request("BYE", target, [f"Route: {r}" for r in routes],
                                              to=dialog["to"], call_id=call_id))
    check(response.status == 200, f"BYE: {response.status}")
    bob.finish(gw.log()[-3000:])


def test_an_api_call_to_a_number_goes_out_through_the_trunk():
    """POST /api/v1/calls from a registered sipp phone (alice) to a PSTN number: rtcgate rings
    alice, then calls the number through the trunk with alice's offer -- the carrier's 407
    answered with the trunk's credentials, our caller id in From and P-Asserted-Identity -- and
    the carrier's callee answers; DELETE ends both legs with a BYE."""
    import subprocess
    from siptest import sipp, wait_udp_bound

    def api(method, path, body=None):
        status, text = gw.http(method, path, body)
        return status, (json.loads(text) if text else None)

    phone = Connection("udp", gw.ports["udp"])
    phone_port = phone.local[1]
    registered = UserAgent(phone, "alice", password="alicepw").register(expires=300)
    phone.close()
    check(registered.status == 200, f"alice's REGISTER: {registered.status}")
    alice = sipp("uas_answer.xml", gw.ports["udp"], phone_port, timeout=40, background=True,
                 extra=("-mi", "127.0.0.1", "-mp", str(free_port(both=False))))
    wait_udp_bound(phone_port)
    callee = Callee(UserAgent(Connection("udp", KPORT, host=CARRIER,
                                         local=(PSTN_CALLEE, CALLEE_PORT)), "pstn"),
                    bye_timeout=20)
    answered_before = gw.metric("rtcgate_proxy_trunk_challenges_answered_total")

    status, reply = api("POST", "/api/v1/calls", {"from": "alice", "to": "02079460002"})
    check(status == 201, f"originate: {status} {reply}\n{gw.log()[-3000:]}")
    call_id = reply["id"]
    deadline = time.time() + 15
    call = {}
    while time.time() < deadline:
        status, call = api("GET", f"/api/v1/calls/{call_id}")
        if status == 200 and call["state"] == "confirmed":
            break
        time.sleep(0.2)
    check(call.get("state") == "confirmed",
          f"the call never connected: {call}\n{gw.log()[-3000:]}\n{kamailio.output()[-3000:]}")
    line = carrier_log(r"CARRIER INVITE au=acme ruri=\+442079460002")
    check("from=+15551230000 pai=sip:+15551230000@" in line, line)
    check(gw.metric("rtcgate_proxy_trunk_challenges_answered_total") > answered_before,
          "the carrier's challenge was not counted")

    status, _ = api("DELETE", f"/api/v1/calls/{call_id}")
    check(status == 200, f"hangup answered {status}")
    callee.finish(gw.log()[-3000:] + kamailio.output()[-3000:])
    try:
        _, err = alice.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        alice.kill()
        raise AssertionError("sipp alice got no BYE")
    check(alice.returncode == 0, f"sipp alice exited {alice.returncode}: {err.decode()[-2000:]}")


def test_zz_a_stopped_carrier_instance_is_marked_down_and_calls_go_to_the_second():
    kamailio.stop()
    deadline = time.time() + 10
    while time.time() < deadline:
        probed = json.loads(gw.http("GET", "/api/v1/trunks")[1])["probed"]
        first = [p for p in probed if CARRIER in p["target"]]
        if first and not first[0]["up"]:
            break
        time.sleep(0.2)
    check(first and not first[0]["up"], f"the stopped instance is not down: {probed}")
    check([p["up"] for p in probed if SECOND in p["target"]] == [True], f"probed: {probed}")
    callee = Callee(UserAgent(Connection("udp", KPORT2, host=SECOND,
                                         local=(PSTN_CALLEE, CALLEE_PORT)), "pstn"))
    alice = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    final, _ = place_call(alice, "02079460001")
    callee.finish(gw.log()[-3000:] + kamailio2.output()[-3000:])
    check(final.status == 200, f"call through the second instance: {final.status}")
    carrier_log(r"CARRIER INVITE au=acme ruri=\+442079460001", instance=kamailio2)
    check(gw.metric("rtcgate_proxy_down_destinations_skipped_total") >= 1, "nothing skipped")


try:
    run_tests(tests_in(dict(globals())), [gw])
finally:
    kamailio.stop()
    kamailio2.stop()
    shutil.rmtree(workdir, ignore_errors=True)
