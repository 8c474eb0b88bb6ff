"""Digest done right, and no user enumeration (docs/security.md): the credentials' uri must be
the Request-URI; a From with a local user at our IP address is challenged like one at our
domain; strangers get the same answer for a user that does not exist and one that is offline."""
import secrets

from sinks import Sink, final_response
from siptest import (SDP, Connection, Gateway, UserAgent, check, digest_response, parse_args,
                     run_tests, tests_in)

args = parse_args()
bob_phone = Sink("127.0.0.2")
gw = Gateway(args.binary, users=(("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw")),
             transports=("udp", "tcp")).start()
UDP = gw.ports["udp"]


def test_credentials_for_another_uri_are_refused():
    ua = UserAgent(Connection("udp", UDP), "alice", password="alicepw")
    uri = "sip:localhost"
    headers = [f"Contact: {ua.contact()}", "Expires: 60"]
    challenge = ua.transact(ua.request("REGISTER", uri, headers))
    check(challenge.status == 401, f"no challenge: {challenge}")
    signed_for = f"sip:127.0.0.1:{UDP}"
    auth = digest_response(challenge.all("WWW-Authenticate")[0], "REGISTER", signed_for,
                           "alice", "alicepw")
    response = ua.transact(ua.request("REGISTER", uri, headers + [f"Authorization: {auth}"]))
    check(response.status in (400, 401, 403),
          f"credentials signed for {signed_for} were accepted for {uri}: {response}")
    ua.c.close()


def test_local_user_at_our_address_is_challenged():
    """From: alice@127.0.0.1:<port> is alice as much as alice@localhost is: without credentials,
    her name is not lent to a stranger calling bob (bob is registered at a sink)."""
    bob = UserAgent(Connection("udp", UDP), "bob", password="bobpw")
    check(bob.register(contact=f"<sip:bob@{bob_phone.uri_host}>").status == 200, "bob register")
    bob_phone.clear()
    sock = Connection("udp", UDP)
    for from_host in (f"127.0.0.1:{UDP}", "127.0.0.1"):
        invite = (f"INVITE sip:bob@127.0.0.1:{UDP} SIP/2.0\r\n"
                  f"Via: SIP/2.0/UDP 127.0.0.1:{sock.local[1]};branch=z9hG4bK{secrets.token_hex(6)}"
                  f";rport\r\nMax-Forwards: 70\r\nFrom: <sip:alice@{from_host}>;tag=1\r\n"
                  f"To: <sip:bob@127.0.0.1:{UDP}>\r\nCall-ID: {secrets.token_hex(8)}\r\n"
                  f"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
                  f"Content-Length: {len(SDP)}\r\n\r\n{SDP}")
        sock.send(invite)
        response = final_response(sock)
        check(response is not None and response.status == 407,
              f"INVITE from alice@{from_host} without credentials: {response}")
    check(bob_phone.quiet_for(0.5), f"bob was rung in alice's name: {bob_phone.describe()}")
    sock.close()
    bob.c.close()


def test_strangers_cannot_tell_absent_users_from_offline_ones():
    sock = Connection("udp", UDP)
    answers = {}
    for user in ("carol", "nosuchuser"):  # carol exists and is not registered
        sock.send(f"INVITE sip:{user}@localhost SIP/2.0\r\n"
                  f"Via: SIP/2.0/UDP 127.0.0.1:{sock.local[1]};branch=z9hG4bK{secrets.token_hex(6)}"
                  f";rport\r\nMax-Forwards: 70\r\nFrom: <sip:m@evil.test>;tag=1\r\n"
                  f"To: <sip:{user}@localhost>\r\nCall-ID: {secrets.token_hex(8)}\r\n"
                  f"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        response = final_response(sock)
        check(response is not None, f"no answer for {user}")
        answers[user] = f"{response.status} {response.first.split(' ', 2)[2]}"
    check(answers["carol"] == answers["nosuchuser"],
          f"a stranger can tell users apart: {answers}")
    sock.close()


tests = tests_in(globals())
try:
    run_tests(tests, [gw])
finally:
    bob_phone.close()
