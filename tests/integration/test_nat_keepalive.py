"""NAT keep-alive pings (docs/configuration.md, nat.keepalive; the role of Kamailio's nathelper
natping): a UDP phone that registered from another port than its Contact names is behind NAT and
gets an OPTIONS at every interval, at the address it registered from. Phones are sipp UASs
answering OPTIONS at that address: one answers three pings and stops, and its registration is
dropped after nat.keepalive.max_missed unanswered pings; one keeps answering and stays; a phone
whose Contact is its source is not behind NAT and gets no pings."""
import json
import re
import time

from siptest import (Connection, Gateway, UserAgent, check, parse_args, run_tests, sipp,
                     tests_in, wait_udp_bound)

args = parse_args()
INTERVAL = 2
MAX_MISSED = 2
gw = Gateway(args.binary, transports=("udp",),
             users=(("carol", "carolpw"), ("dave", "davepw"), ("erin", "erinpw")),
             extra_yaml=f"nat: {{ keepalive: {{ interval: {INTERVAL}, method: options, "
                        f"max_missed: {MAX_MISSED} }} }}\n")
gw.start()
UDP = gw.ports["udp"]


def registrations(user):
    status, body = gw.http("GET", f"/api/v1/registrations?user={user}")
    check(status == 200, f"/api/v1/registrations answered {status}")
    return json.loads(body)["registrations"]


def register_behind_nat(user):
    """Registers `user` from a UDP port with a Contact naming another port (what a phone behind
    NAT sends), then frees the port for the sipp that plays the phone at its NAT address."""
    phone = UserAgent(Connection("udp", UDP), user, password=f"{user}pw")
    contact = f"<sip:{user}@127.0.0.1:{phone.c.local[1] ^ 1}>"  # the phone's private port
    check(phone.register(contact=contact).status == 200, f"{user} could not register")
    port = phone.c.local[1]
    phone.c.close()
    return port


def answering_phone(port, pings):
    """A sipp UAS at `port` that answers `pings` OPTIONS, then exits."""
    uas = sipp("uas_options.xml", UDP, port, extra=["-m", str(pings)], background=True,
               timeout=120)
    wait_udp_bound(port)
    return uas


def wait_until(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_phone_that_stops_answering_is_dropped_and_one_that_answers_stays():
    sent_before = gw.metric("rtcgate_nat_keepalive_pings_total")
    dropped_before = gw.metric("rtcgate_nat_keepalive_dropped_total")
    carol = answering_phone(register_behind_nat("carol"), pings=3)
    dave = answering_phone(register_behind_nat("dave"), pings=1000)
    try:
        # carol answers three pings (one per interval), then falls silent.
        check(carol.wait(5 * INTERVAL + 5) == 0, "carol's sipp did not answer three OPTIONS: "
              f"{carol.stderr.read().decode()[-2000:]}")
        check(registrations("carol"), "carol was dropped while she answered")
        stopped = time.time()
        check(wait_until(lambda: not registrations("carol"), (MAX_MISSED + 3) * INTERVAL),
              "carol's registration outlived her missed pings")
        waited = time.time() - stopped
        check(waited >= (MAX_MISSED - 1) * INTERVAL,
              f"carol was dropped {waited:.1f} s after her last answer")
        check(gw.metric("rtcgate_nat_keepalive_dropped_total") == dropped_before + 1,
              "the drop was not counted")
        check(re.search(r"registration of carol@localhost at \S+ \(from \S+\) dropped: "
                        rf"{MAX_MISSED} keep-alive pings unanswered", gw.log()),
              "no log line naming carol's AOR")
        # dave kept answering all along: still there, several intervals later.
        time.sleep((MAX_MISSED + 1) * INTERVAL)
        check(registrations("dave"), "dave was dropped though he answered every ping")
        check(dave.poll() is None, "dave's sipp stopped answering")
        check(gw.metric("rtcgate_nat_keepalive_pings_total") - sent_before >= 8,
              "fewer pings than intervals")
        check(gw.metric("rtcgate_nat_keepalive_answered_total") >= 6, "answers not counted")
    finally:
        for uas in (carol, dave):
            if uas.poll() is None:
                uas.terminate()
                uas.wait()


def test_a_phone_not_behind_nat_is_not_pinged():
    erin = UserAgent(Connection("udp", UDP), "erin", password="erinpw")
    check(erin.register().status == 200, "erin could not register")  # Contact = source
    message = erin.c.recv(3 * INTERVAL)
    check(message is None, f"erin got {message!r}")
    check(registrations("erin"), "erin was dropped")
    erin.c.close()


run_tests(tests_in(globals()), [gw])
