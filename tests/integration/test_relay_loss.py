"""A media relay killed mid-call (media.relay with two `rtcgate relay` processes, `anchor: always`,
pings every second): the gateway notices within a ping or two.
- While another relay lives, the call moves there: each side gets a re-INVITE with the new relay's
  SDP, RTP flows both ways through the survivor, and the call goes on (its later BYE numbered past
  our re-INVITE).
- With no relay left, the call ends: a BYE to both sides, the CDR end reason `relay-lost`, an
  `error` event, the metrics rtcgate_calls_ended_total{reason="relay-lost"} and
  rtcgate_relay_calls_lost_total; no call is left in GET /api/v1/calls."""
import json
import re
import secrets
import signal
import socket
import threading
import time

from siptest import (Connection, EventSocket, Gateway, UserAgent, answering, check, expect_bye,
                     free_port, in_dialog_request, parse_args, place_call, tests_in)
from relayprocs import calls_on, run_tests_then_stop, start_relay

args = parse_args()
NG = [free_port(both=False), free_port(both=False)]
USERS = (("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw"))
relays = [f"udp://127.0.0.1:{port}" for port in NG]
gw = Gateway(args.binary, transports=("udp",), users=USERS,
             media_extra=", anchor: always, relay_ping_interval: 1, relay: [%s]"
             % ", ".join(relays))


def wait_for(predicate, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    check(False, f"{what}\n{gw.log()[-3000:]}")


relay_procs = [start_relay(args.binary, gw.dir, port) for port in NG]
gw.start()


def cdr_of(call_id):
    status, body = gw.http("GET", "/api/v1/cdrs?limit=5")
    mine = [c for c in json.loads(body)["cdrs"] if c["call_id"] == call_id]
    return mine[0] if mine else None


def rtp_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    return sock


def sdp_for(sock):
    port = sock.getsockname()[1]
    return (f"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def media_address(sdp):
    host = re.search(r"c=IN IP4 (\S+)", sdp).group(1)
    port = int(re.search(r"m=audio (\d+)", sdp).group(1))
    return host, port


def rtp(seq, ssrc):
    return bytes([0x80, 0]) + seq.to_bytes(2, "big") + (seq * 160).to_bytes(4, "big") + \
        ssrc.to_bytes(4, "big") + bytes(160)


def flows(sender, to, receiver, ssrc):
    """Whether RTP sent from `sender` to the relay address `to` reaches `receiver`."""
    for seq in range(1, 40):
        sender.sendto(rtp(seq, ssrc), to)
        try:
            data, _ = receiver.recvfrom(2048)
            if len(data) >= 12:
                return True
        except socket.timeout:
            continue
    return False


class MovingCallee:
    """bob: answers the call, then the re-INVITE that moves it, then waits for its BYE."""

    def __init__(self, ua, rtp_sock):
        self.ua, self.sock = ua, rtp_sock
        self.errors, self.relay_sdp, self.moved_sdp = [], None, None
        self.reinvite_cseq = self.bye_cseq = 0
        self.moved = threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        try:
            invite = self.ua.wait_request("INVITE", 8)
            tag = secrets.token_hex(4)
            self.relay_sdp = invite.body
            self.ua.respond(invite, 200, "OK", body=sdp_for(self.sock),
                            extra=["Content-Type: application/sdp"], to_tag=tag)
            self.ua.wait_request("ACK", 8)
            reinvite = self.ua.wait_request("INVITE", 20)
            self.reinvite_cseq = int(reinvite.get("CSeq").split()[0])
            self.moved_sdp = reinvite.body
            self.ua.respond(reinvite, 200, "OK", body=sdp_for(self.sock),
                            extra=["Content-Type: application/sdp"])
            self.ua.wait_request("ACK", 8)
            self.moved.set()
            bye = self.ua.wait_request("BYE", 30)
            self.bye_cseq = int(bye.get("CSeq").split()[0])
            self.ua.respond(bye, 200, "OK")
        except Exception as e:  # noqa: BLE001 - reported by finish()
            self.errors.append(e)
            self.moved.set()

    def finish(self):
        self.thread.join(30)
        check(not self.thread.is_alive() and not self.errors, f"bob: {self.errors}")


def test_a_killed_relay_s_call_moves_to_the_other_relay():
    alice_rtp, bob_rtp = rtp_socket(), rtp_socket()
    alice = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    bob_ua = UserAgent(Connection("udp", gw.ports["udp"]), "bob", password="bobpw")
    check(bob_ua.register().status == 200, "bob's REGISTER")
    bob = MovingCallee(bob_ua, bob_rtp)
    final, dialog = place_call(alice, "bob", hangup=False, body=sdp_for(alice_rtp))
    check(final.status == 200, f"call to bob answered {final.status}:\n{gw.log()[-3000:]}")
    call_id = dialog["call_id"]
    check(flows(alice_rtp, media_address(final.body), bob_rtp, 1),
          "alice -> bob RTP before the kill")
    wait_for(lambda: any(call_id in calls_on(port) for port in NG), "the call is on a relay")
    held = NG[0] if call_id in calls_on(NG[0]) else NG[1]
    survivor = NG[1] if held == NG[0] else NG[0]
    relay_procs[NG.index(held)].send_signal(signal.SIGKILL)
    relay_procs[NG.index(held)].wait(10)
    killed = time.time()

    # bob's re-INVITE first, then alice's: each with the new relay's SDP.
    reinvite = alice.wait_request("INVITE", 20)
    moved = time.time() - killed
    check(reinvite.get("Call-ID") == call_id, f"alice's re-INVITE: {reinvite.raw[:400]}")
    alice.respond(reinvite, 200, "OK", body=sdp_for(alice_rtp),
                  extra=["Content-Type: application/sdp"])
    alice.wait_request("ACK", 8)
    bob.moved.wait(10)
    check(bob.moved_sdp, f"bob got no re-INVITE: {bob.errors}")
    print(f"relay killed -> both sides re-INVITEd after {moved:.2f} s (pings every 1 s)")
    check(call_id in calls_on(survivor), "the call is on the surviving relay")
    check(media_address(reinvite.body) != media_address(final.body), "alice's media address moved")
    check(flows(alice_rtp, media_address(reinvite.body), bob_rtp, 2),
          "alice -> bob RTP through the survivor")
    check(flows(bob_rtp, media_address(bob.moved_sdp), alice_rtp, 3),
          "bob -> alice RTP through the survivor")
    check(gw.metric("rtcgate_proxy_relay_moves_total") == 1, "relay_moves_total")
    check(gw.metric(f'rtcgate_relay_calls_lost_total{{relay="127.0.0.1:{held}"}}') == 1,
          "calls_lost_total of the dead relay")
    check([c["call_id"] for c in gw.calls()] == [call_id], f"calls: {gw.calls()}")

    # The call goes on: alice's BYE reaches bob numbered past our re-INVITE in her name.
    response = alice.transact(in_dialog_request(alice, dialog, "BYE"))
    check(response.status == 200, f"BYE answered {response.status}")
    bob.finish()
    check(bob.bye_cseq > bob.reinvite_cseq,
          f"bob saw CSeq {bob.bye_cseq} (BYE) after {bob.reinvite_cseq} (re-INVITE)")
    wait_for(lambda: cdr_of(call_id), "the CDR is written")
    check(cdr_of(call_id)["end_reason"] == "caller-bye", f"CDR: {cdr_of(call_id)}")
    wait_for(lambda: calls_on(survivor) == [], "the survivor's call is deleted")


def test_with_no_relay_left_the_call_ends_with_relay_lost():
    events = EventSocket(gw.http_port)
    alice = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    carol = answering(gw, "carol", "carolpw")
    final, dialog = place_call(alice, "carol", hangup=False)
    check(final.status == 200, f"call to carol answered {final.status}:\n{gw.log()[-3000:]}")
    call_id = dialog["call_id"]
    last = next(p for p, proc in zip(NG, relay_procs) if proc.poll() is None)
    wait_for(lambda: call_id in calls_on(last), "the call is on the last relay")
    killed = time.time()
    relay_procs[NG.index(last)].send_signal(signal.SIGKILL)
    relay_procs[NG.index(last)].wait(10)
    # Both sides get a BYE saying why; the caller answers its own here.
    bye = expect_bye(alice, timeout=10)
    detected = time.time() - killed
    check("relay-lost" in bye.get("Reason"), f"the caller's BYE: {bye.get('Reason')!r}")
    carol.finish(wait=10)
    print(f"last relay killed -> BYE at the caller after {detected:.2f} s (pings every 1 s)")
    check(gw.calls() == [], f"calls left: {gw.calls()}")
    wait_for(lambda: cdr_of(call_id), "the CDR is written")
    check(cdr_of(call_id)["end_reason"] == "relay-lost", f"CDR: {cdr_of(call_id)}")
    check(gw.metric('rtcgate_calls_ended_total{reason="relay-lost"}') == 1, "ended_total")
    check(gw.metric(f'rtcgate_relay_calls_lost_total{{relay="127.0.0.1:{last}"}}') == 1,
          "calls_lost_total of the last relay")
    check(gw.metric(f'rtcgate_relay_up{{relay="127.0.0.1:{last}"}}') == 0, "relay_up")
    check(gw.metric("rtcgate_proxy_relay_moves_failed_total") == 0, "no move was tried")

    def first(events, kind, what=None):
        return next((e for e in events if e.get("type") == kind and
                     (what is None or e.get("what") == what)), None)
    seen = events.read_until(lambda es: first(es, "error", "relay-lost") and
                             first(es, "call.ended") and first(es, "relay.down"), timeout=5)
    check(first(seen, "error", "relay-lost")["call_id"] == call_id, f"events: {seen}")
    check(first(seen, "call.ended")["reason"] == "relay-lost", f"events: {seen}")
    events.sock.close()


run_tests_then_stop(tests_in(dict(globals())), [gw], relay_procs)
