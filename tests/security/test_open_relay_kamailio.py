"""The open-relay probes of test_open_relay (relay_probes), run against Debian's Kamailio 5.6 with
an authenticating script modelled on its default kamailio.cfg with WITH_AUTH: REQINIT (sanity,
Max-Forwards), WITHINDLG (loose_route, an ACK only with its transaction), digest for REGISTER and
for requests from our domain, "Not relaying" (403) when neither From nor the Request-URI is ours,
preloaded Routes removed, Record-Route, a route for ^9[0-9]{3,}$ to the trunk sink for local
users (the default's PSTN route) and usrloc in memory. Left out: what does nothing with WITH_AUTH
alone (NAT, presence, voicemail, accounting, the branch, reply and failure routes), and the
database (the subscriber table is two fixed passwords checked with pv_auth_check()).

What it shows: the legitimate peers' requests probed (a stranger's call to a local user, a local
user's call to the route, calls between registered users and the requests in their dialogs)
pass through both, so rtcgate asks no more of them than a trusted proxy does; and every probe
Kamailio refuses, rtcgate refuses too. Where rtcgate refuses more (STRICTER), the probe is run
against Kamailio and its outcome printed, not asserted.
"""
import os
import shutil
import sys
import tempfile
import time

import relay_probes as probes
from siptest import Connection, Failure, check, free_port, parse_args, run_tests
import test_relay_kamailio as kit  # noqa: E402  (Kamailio's module path, process handling)

# Why rtcgate refusing these is right although Kamailio's default script lets them through.
IN_DIALOG = ("loose_route() takes a To-tag and a Route naming the proxy as a dialog it "
             "record-routed and relays to whatever Request-URI comes with them; both are free to "
             "forge, so rtcgate relays an in-dialog request only in a dialog it knows or with a "
             "token it issued for that Call-ID")
STRICTER = {
    "test_ack_with_our_route_but_no_token_goes_nowhere": IN_DIALOG,
    "test_in_dialog_request_of_no_dialog_is_refused": IN_DIALOG,
    "test_forged_token_is_refused": IN_DIALOG + " (Kamailio has no token: a bare Route)",
    "test_lifted_record_route_opens_no_other_call": IN_DIALOG + " (a Record-Route of Kamailio's "
                                                                "is not bound to its call)",
    "test_stray_response_is_not_sent_along_its_via": (
        "Kamailio forwards a response no transaction matches statelessly along its next Via, "
        "as RFC 3261 16.7 first said; RFC 6026 changed that for its security risk: the "
        "stranger writes the Vias, and the proxy sends the stranger's packet from its own "
        "address to any host"),
    "test_user_reaches_no_direct_target": (
        "WITH_AUTH relays an authenticated user's request to any foreign domain (route "
        "SIPOUT): one stolen password dials premium numbers at any trunk; rtcgate's users "
        "reach local users and configured routes only (sip.allow_direct_uri off)"),
}

KAMAILIO_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=2
listen=udp:127.0.0.1:{sip_port}
listen=tcp:127.0.0.1:{sip_port}
listen=tcp:127.0.0.1:{spare_port}
alias="localhost"
mpath="{modules}"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "auth.so"
modparam("sanity", "autodrop", 0)
modparam("tm", "failure_reply_mode", 3)
# The default's 30 s would hold a probe for the answer to a request relayed to a silent sink.
modparam("tm", "fr_timer", 1000)
modparam("tm", "fr_inv_timer", 1000)
modparam("rr", "enable_full_lr", 0)
modparam("rr", "append_fromtag", 0)
modparam("registrar", "method_filtering", 1)
modparam("registrar", "max_expires", 3600)
modparam("usrloc", "db_mode", 0)

request_route {
	route(REQINIT);
	if (is_method("CANCEL")) {
		if (t_check_trans()) route(RELAY);
		exit;
	}
	if (!is_method("ACK")) {
		if (t_precheck_trans()) {
			t_check_trans();
			exit;
		}
		t_check_trans();
	}
	route(WITHINDLG);
	route(AUTH);
	remove_hf("Route");
	if (is_method("INVITE|SUBSCRIBE")) record_route();
	route(SIPOUT);
	route(REGISTRAR);
	if ($rU == $null) {
		sl_send_reply("484", "Address Incomplete");
		exit;
	}
	route(PSTN);
	route(LOCATION);
}

route[RELAY] {
	if (!t_relay()) sl_reply_error();
	exit;
}

route[REQINIT] {
	set_reply_no_connect();
	force_rport();
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "Keepalive");
		exit;
	}
	if (!sanity_check("17895", "7")) {
		xlog("Malformed SIP request from $si:$sp\\n");
		exit;
	}
}

route[WITHINDLG] {
	if (!has_totag()) return;
	if (loose_route()) route(RELAY);
	if (is_method("ACK")) {
		if (t_check_trans()) route(RELAY);
		exit;
	}
	sl_send_reply("404", "Not here");
	exit;
}

route[REGISTRAR] {
	if (!is_method("REGISTER")) return;
	if (!save("location")) sl_reply_error();
	exit;
}

route[LOCATION] {
	if (!lookup("location")) {
		$var(rc) = $rc;
		t_newtran();
		switch ($var(rc)) {
			case -1:
			case -3:
				send_reply("404", "Not Found");
				exit;
			case -2:
				send_reply("405", "Method Not Allowed");
				exit;
		}
	}
	route(RELAY);
}

# The default's auth_check() against its subscriber table, without a database.
route[AUTH] {
	if (is_method("REGISTER") || from_uri == myself) {
		route(PASSWORD);
		if ($var(password) == "" || !pv_auth_check("$fd", "$var(password)", "0", "1")) {
			auth_challenge("$fd", "0");
			exit;
		}
		if (!is_method("REGISTER|PUBLISH")) consume_credentials();
	}
	if (from_uri != myself && uri != myself) {
		sl_send_reply("403", "Not relaying");
		exit;
	}
}

route[PASSWORD] {
	$var(password) = "";
{passwords}
}

route[SIPOUT] {
	if (uri == myself) return;
	append_hf("P-Hint: outbound\\r\\n");
	route(RELAY);
}

route[PSTN] {
	if (!($rU =~ "{route_pattern}")) return;
	if (from_uri != myself) {
		sl_send_reply("403", "Not Allowed");
		exit;
	}
	$ru = "sip:" + $rU + "@{trunk}";
	route(RELAY);
}

reply_route {
	if (!sanity_check("17604", "6")) {
		xlog("Malformed SIP response from $si:$sp\\n");
		drop;
	}
}
"""


def config(sip_port, spare_port):
    values = {"sip_port": sip_port, "spare_port": spare_port, "modules": kit.KAMAILIO_MODULES,
              "route_pattern": probes.ROUTE_PATTERN, "trunk": probes.trunk.uri_host,
              "passwords": "\n".join(f'\tif ($au == "{user}") $var(password) = "{password}";'
                                     for user, password in probes.USERS)}
    text = KAMAILIO_CFG
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


class Kamailio:
    """Kamailio in the foreground on free loopback ports; run_tests stops it as it stops a
    gateway (its own session, by PID)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rtcgate-open-relay-kamailio-")
        self.processes = kit.Processes(self.dir)
        port = free_port()
        self.ports = {"udp": port, "tcp": port}
        self.spare_port = free_port()
        self.config = os.path.join(self.dir, "kamailio.cfg")
        with open(self.config, "w") as f:
            f.write(config(port, self.spare_port))

    def start(self):
        self.process = self.processes.start("kamailio", [
            "kamailio", "-f", self.config, "-DD", "-E", "-w", self.dir, "-Y", self.dir,
            "-m", "64", "-M", "8"])
        deadline = time.time() + 10
        while not self.answers():
            check(self.process.poll() is None and time.time() < deadline,
                  "kamailio did not start:\n" + self.log())
            time.sleep(0.1)
        return self

    def answers(self):
        """True once both transports answer an OPTIONS (the script's keepalive)."""
        for transport in ("udp", "tcp"):
            try:
                connection = Connection(transport, self.ports[transport])
            except OSError:
                return False
            connection.send(probes.request("OPTIONS", f"sip:127.0.0.1:{self.ports[transport]}"))
            answer = connection.recv(0.3)
            connection.close()
            if answer is None:
                return False
        return True

    def log(self):
        return self.processes.log("kamailio")

    def stop(self):
        """0: how Kamailio exits is not what this test is about."""
        self.processes.stop_all()
        return 0

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def settle():
    """Waits until nothing has arrived at the sinks for 0.3 s (retransmissions of a request
    Kamailio relayed), so that the next probe starts clean."""
    deadline = time.time() + 3
    seen = -1
    while time.time() < deadline:
        count = sum(len(sink.received()) for sink in probes.SINKS)
        if count == seen:
            return
        seen = count
        time.sleep(0.3)


def judged(name, probe, proxy):
    """(name, the probe as run against Kamailio), the probe followed by a line saying how
    Kamailio compares; a STRICTER probe's name says that it is not asserted."""
    def as_rtcgate():
        proxy.notes.clear()
        probe()
        settle()
        verdict = "also refuses, in its own words" if proxy.notes else "as rtcgate"
        print(f"KAMAILIO {name}: {verdict}", *proxy.notes, sep="; ", flush=True)

    def stricter():
        try:
            probe()
            print(f"KAMAILIO {name}: refuses it now: update STRICTER and docs/security.md",
                  flush=True)
        except Failure as e:
            print(f"KAMAILIO {name}: lets it through ({e}).\n  rtcgate is right: "
                  f"{STRICTER[name]}", flush=True)
        settle()

    if name in STRICTER:
        return f"{name} [stricter than Kamailio: not asserted]", stricter
    return name, as_rtcgate


def main():
    parse_args()  # ctest passes --binary and --build-dir to every script; Kamailio needs neither
    if shutil.which("kamailio") is None:
        print("FAIL: kamailio is not installed (make test-deps)", file=sys.stderr)
        return 1
    kamailio = Kamailio()
    try:
        proxy = probes.Proxy(kamailio.start().ports, kamailio.spare_port, rtcgate=False)
        run_tests([judged(name, probe, proxy) for name, probe in probes.aimed_at(proxy)],
                  [kamailio])
    finally:
        kamailio.processes.stop_all()  # when it failed to start; run_tests stopped it otherwise
        probes.close_sinks()


if __name__ == "__main__":
    sys.exit(main())
