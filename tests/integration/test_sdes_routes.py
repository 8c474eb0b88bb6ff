"""SDES-SRTP per route target against the real binary (routes[].media.srtp): a plain RTP/AVP sipp
phone calls two "PBXs" (sipp UAS) behind two static routes, one with `media: { srtp: sdes }`:
  - that one gets an RTP/SAVP offer with a=crypto from the embedded relay (the call is anchored
    because the two legs' profiles differ) and answers with SDES; the phone gets RTP/AVP back;
  - the other gets the phone's own RTP/AVP offer, without a=crypto (not anchored).
A reload moves the SDES setting to the other route and the profiles follow. `media.sip_srtp: sdes`
is on: it is the profile of the offers rtcgate sends toward a route without its own (`^7`), and
never what the phone, which offered RTP/AVP, gets back."""
import os
import re

from siptest import (Gateway, check, free_port, parse_args, run_tests, sipp, sipp_logs, tests_in,
                     wait_udp_bound)

args = parse_args()
HERE = os.path.dirname(os.path.abspath(__file__))
SDES_PBX, PLAIN_PBX = free_port(), free_port()

gw = Gateway(args.binary, transports=("udp",), media_extra=", sip_srtp: sdes")
with open(gw.config) as f:
    BASE = f.read()


def write_routes(sdes_on_9):
    nine, eight = ("sdes", "none") if sdes_on_9 else ("none", "sdes")
    with open(gw.config, "w") as f:
        f.write(BASE + "routes:\n"
                f"  - {{ match: '^9', to: [sip:127.0.0.1:{SDES_PBX}], media: {{ srtp: {nine} }} }}\n"
                f"  - {{ match: '^8', to: [sip:127.0.0.1:{PLAIN_PBX}], media: {{ srtp: {eight} }} }}\n"
                f"  - {{ match: '^7', to: [sip:127.0.0.1:{SDES_PBX}] }}\n")


write_routes(True)
gw.start()
UDP = gw.ports["udp"]

# RFC 4568's example key (30 bytes of key and salt, base64).
KEY = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"


def scenario(name, text):
    # sipp refuses variables used once; the ereg results are only checks.
    text = text.replace("</scenario>", '<Reference variables="p,k"/>\n</scenario>')
    path = os.path.join(gw.dir, name + ".xml")
    with open(path, "w") as f:
        f.write(text)
    return path


def uas(sdes):
    """uas_answer.xml that checks the offer's profile and answers in kind."""
    with open(os.path.join(HERE, "scenarios", "uas_answer.xml")) as f:
        text = f.read()
    if sdes:
        checks = ('<ereg regexp="m=audio [0-9]+ RTP/SAVP " search_in="body" check_it="true" '
                  'assign_to="p"/>'
                  '<ereg regexp="a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" search_in="body" '
                  'check_it="true" assign_to="k"/>')
        text = text.replace("m=audio [media_port] RTP/AVP 0",
                            "m=audio [media_port] RTP/SAVP 0\n      "
                            f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY}")
    else:
        checks = ('<ereg regexp="m=audio [0-9]+ RTP/AVP " search_in="body" check_it="true" '
                  'assign_to="p"/>'
                  '<ereg regexp="a=crypto" search_in="body" check_it_inverse="true" '
                  'assign_to="k"/>')
    text = text.replace('<recv request="INVITE" crlf="true"/>',
                        f'<recv request="INVITE" crlf="true"><action>{checks}</action></recv>', 1)
    check(checks in text, "uas_answer.xml changed shape")
    return scenario("uas_sdes" if sdes else "uas_plain", text)


def uac():
    """uac_call.xml that checks the 200's SDP is plain RTP/AVP (what the phone offered)."""
    with open(os.path.join(HERE, "scenarios", "uac_call.xml")) as f:
        text = f.read()
    recv = '<recv response="200" rrs="true"/>'
    check(recv in text, "uac_call.xml changed shape")
    text = text.replace(recv, '<recv response="200" rrs="true"><action>'
                        '<ereg regexp="m=audio [0-9]+ RTP/AVP " search_in="body" check_it="true" '
                        'assign_to="p"/><ereg regexp="a=crypto" search_in="body" '
                        'check_it_inverse="true" assign_to="k"/></action></recv>')
    return scenario("uac_plain", text)


def call(number, port, sdes):
    server = sipp(uas(sdes), UDP, port, ["-s", number], background=True, timeout=20)
    wait_udp_bound(port)
    rc, logs = sipp(uac(), UDP, free_port(), ["-s", number, "-au", "alice", "-ap", "alicepw"],
                    timeout=20)
    server.wait(25)
    uas_err = server.stderr.read().decode(errors="replace") if server.stderr else ""
    check(rc == 0 and server.returncode == 0,
          f"call to {number} ({'sdes' if sdes else 'plain'}) failed: uac {rc}, uas "
          f"{server.returncode} {uas_err}\n{sipp_logs(logs)}\n{gw.log()[-3000:]}")


def test_sdes_route_gets_srtp_and_the_phone_keeps_rtp():
    call("9001", SDES_PBX, sdes=True)
    check(re.search(r"call \S+: answered by .* media through the relay", gw.log()),
          "the RTP <-> SDES call did not go through the relay:\n" + gw.log()[-2000:])


def test_plain_route_gets_the_phones_rtp():
    call("8001", PLAIN_PBX, sdes=False)


def test_global_sdes_is_for_our_offers_only():
    call("7001", SDES_PBX, sdes=True)


def test_reload_moves_the_sdes_setting():
    write_routes(False)
    status, body = gw.http("POST", "/api/v1/reload")
    check(status == 200 and '"routes"' in body, f"reload: {status} {body}")
    call("9002", SDES_PBX, sdes=False)
    call("8002", PLAIN_PBX, sdes=True)


run_tests(tests_in(dict(globals())), [gw])
