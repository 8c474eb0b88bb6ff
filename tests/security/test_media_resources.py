"""Attack: make the relay spend its ports. An INVITE whose offer lists dozens of m= lines would
cost the relay two ports and two sockets per line; and a plain-RTP caller that writes
"UDP/TLS/RTP/SAVPF" into its session name would get its call anchored as WebRTC (relay ports, ICE,
DTLS) although neither leg is a browser. Offers over media.max_streams_per_offer get 488 and
allocate nothing; only a WebSocket leg or a real DTLS offer (profile and fingerprint) is WebRTC."""
import re
import secrets
import time

import sinks  # noqa: F401  (puts the integration harness on the import path)
from siptest import Connection, Gateway, UserAgent, check, parse_args, run_tests, tests_in

args = parse_args()

trunk = Connection("udp", 0)
trunk_ua = UserAgent(trunk, "trunk")
sdes_pbx = Connection("udp", 0)
sdes_ua = UserAgent(sdes_pbx, "pbx")
ROUTES = (f"routes:\n"
          f"  - {{ match: '^plain', to: [sip:127.0.0.1:{trunk.local[1]}] }}\n"
          f"  - {{ match: '^sdes', to: [sip:127.0.0.1:{sdes_pbx.local[1]}], "
          f"media: {{ srtp: sdes }} }}\n")
gw = Gateway(args.binary, transports=("udp",), auth=False, extra_yaml=ROUTES).start()
for peer in (trunk, sdes_pbx):
    peer.peer = ("127.0.0.1", gw.ports["udp"])  # where their answers go
caller = UserAgent(Connection("udp", gw.ports["udp"]), "mallory", domain="attacker.test")
FINGERPRINT = "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\n"


def sdp(streams=1, session_name="-", profile="RTP/AVP", extra=""):
    text = (f"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns={session_name}\r\nc=IN IP4 127.0.0.1\r\n"
            f"t=0 0\r\n{extra}")
    for i in range(streams):
        text += f"m=audio {40000 + 2 * i} {profile} 0\r\na=rtpmap:0 PCMU/8000\r\n"
    return text


def relay_sessions(settle=True):
    """Sessions on the relay; with settle, once deletes of earlier calls have landed."""
    if settle:
        previous = relay_sessions(False)
        for _ in range(20):
            time.sleep(0.1)
            current = relay_sessions(False)
            if current == previous:
                return current
            previous = current
    status, body = gw.http("GET", "/metrics")
    check(status == 200, f"/metrics answered {status}")
    match = re.search(r'^rtcgate_relay_sessions\{[^}]*\} (\S+)$', body, re.M)
    check(match is not None, "no rtcgate_relay_sessions in /metrics")
    return float(match.group(1))


def invite(user, body):
    call_id = secrets.token_hex(8)
    caller.c.send(caller.request("INVITE", f"sip:{user}@localhost",
                                 [f"Contact: {caller.contact()}", "Content-Type: application/sdp"],
                                 body=body, call_id=call_id))
    return call_id


def final_for(call_id, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = caller.c.recv(deadline - time.time())
        if message is None:
            break
        if message.is_response and message.status >= 200 and message.get("Call-ID") == call_id:
            caller.c.send(ack_for(message))
            return message
    return None


def ack_for(response):
    via = response.all("Via")[0]
    return (f"ACK {response.get('To').split('<')[1].split('>')[0]} SIP/2.0\r\nVia: {via}\r\n"
            f"Max-Forwards: 70\r\nFrom: {response.get('From')}\r\nTo: {response.get('To')}\r\n"
            f"Call-ID: {response.get('Call-ID')}\r\nCSeq: {response.get('CSeq').split()[0]} ACK\r\n"
            f"Content-Length: 0\r\n\r\n")


def test_offer_with_too_many_streams_gets_488_and_no_ports():
    before = relay_sessions()
    call_id = invite("sdes-1", sdp(streams=40))
    forwarded = sdes_ua.c.recv(0.5)
    if forwarded is not None and forwarded.method == "INVITE":
        held = relay_sessions(False) - before
        sdes_ua.respond(forwarded, 486, "Busy Here", to_tag=secrets.token_hex(4))
        final_for(call_id)
        check(False, f"the 40-stream offer reached the PBX with {forwarded.body.count('m=')} "
                     f"relayed streams ({held:+.0f} relay session)")
    final = final_for(call_id)
    check(final is not None and final.status == 488, f"a 40-stream offer was answered {final!r}")
    check(relay_sessions() <= before, "the relay holds a session for the refused offer")


def test_offer_at_the_limit_is_anchored():
    before = relay_sessions()
    call_id = invite("sdes-2", sdp(streams=8))
    request = sdes_ua.wait_request("INVITE", timeout=5)
    check(request.body.count("m=audio") == 8, "the 8-stream offer lost streams")
    check(relay_sessions(False) == before + 1, "the 8-stream offer was not anchored")
    sdes_ua.respond(request, 486, "Busy Here", to_tag=secrets.token_hex(4))
    final_for(call_id)


def test_profile_name_in_the_session_name_does_not_anchor():
    before = relay_sessions()
    body = sdp(session_name="UDP/TLS/RTP/SAVPF", extra="a=x-note:UDP/TLS/RTP/SAVPF\r\n")
    call_id = invite("plain-1", body)
    request = trunk_ua.wait_request("INVITE", timeout=5)
    check("m=audio 40000 RTP/AVP" in request.body,
          f"a plain-RTP offer was anchored as WebRTC:\n{request.body}")
    check(relay_sessions() <= before, "the relay holds a session for a plain RTP call")
    trunk_ua.respond(request, 486, "Busy Here", to_tag=secrets.token_hex(4))
    final_for(call_id)


def test_real_dtls_offer_over_udp_is_anchored():
    before = relay_sessions()
    body = sdp(profile="UDP/TLS/RTP/SAVPF",
               extra=FINGERPRINT + "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n")
    call_id = invite("plain-2", body)
    request = trunk_ua.wait_request("INVITE", timeout=5)
    check("RTP/AVP" in request.body and "UDP/TLS" not in request.body,
          f"a DTLS offer toward plain SIP was not translated:\n{request.body}")
    check(relay_sessions(False) == before + 1, "the DTLS offer was not anchored")
    trunk_ua.respond(request, 486, "Busy Here", to_tag=secrets.token_hex(4))
    final_for(call_id)


run_tests(tests_in(globals()), gateways=[gw])
