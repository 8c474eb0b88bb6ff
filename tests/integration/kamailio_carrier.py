"""Kamailio as a SIP carrier, written in one place for everything that stands one up: the trunk
tests (test_trunk_kamailio, e2e test_browser_trunk) and the trunk benchmark (bench/sip/
trunk_bench.py, which also writes its uac_auth anchor with kamailio_script).

The carrier: a registrar with digest on REGISTER (401) and on the INVITEs it gets from us (407),
the account "acme" only. Calls from the PSTN caller's address (when there is one) go to the
contact registered for acme; our calls go to the PSTN callee. What it authenticated and saw is
logged (xlog, at debug level 1 and up) for the tests:
  CARRIER REGISTER au=... ct=...
  CARRIER DELIVERS to=<To user> ruri=<the registered contact>
  CARRIER CHALLENGES from=<From user>
  CARRIER INVITE au=... ruri=<R-URI user> from=<From user> pai=<P-Asserted-Identity>
  CARRIER IN-DIALOG <method> from=<From user> to=<To user>"""

MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
REALM = "carrier.test"

SCRIPT = """#!KAMAILIO
debug={debug}
log_stderror=yes
children={children}
disable_tcp=yes
auto_aliases=no
dns=no
rev_dns=no
listen=udp:{listen}
mpath="{modules}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
{more_modules}
request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        xlog("L_NOTICE", "CARRIER IN-DIALOG $rm from=$fU to=$tU\\n");
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) t_relay(); exit; }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) t_relay(); exit; }}
{routes}"""

CARRIER_MODULES = """loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "xlog.so"
modparam("usrloc", "db_mode", 0)"""

CARRIER_ROUTES = """    if (is_method("OPTIONS")) {{ sl_send_reply("200", "OK"); exit; }}
    if (is_method("REGISTER")) {{
        if (!pv_www_authenticate("{realm}", "{password}", "0")) {{
            www_challenge("{realm}", "1");
            exit;
        }}
        if ($au != "acme") {{ sl_send_reply("403", "Forbidden"); exit; }}
        xlog("L_NOTICE", "CARRIER REGISTER au=$au ct=$ct\\n");
        if (!save("location")) sl_reply_error();
        exit;
    }}
    if (!is_method("INVITE")) {{ sl_send_reply("405", "Method Not Allowed"); exit; }}
    t_check_trans();
    record_route();
{deliver}    if (!pv_proxy_authenticate("{realm}", "{password}", "0")) {{
        xlog("L_NOTICE", "CARRIER CHALLENGES from=$fU\\n");
        proxy_challenge("{realm}", "1");
        exit;
    }}
    if ($au != "acme") {{ sl_send_reply("403", "Forbidden"); exit; }}
    consume_credentials();
    xlog("L_NOTICE", "CARRIER INVITE au=$au ruri=$rU from=$fU pai=$ai\\n");
    $du = "sip:{pstn_callee}";
    if (!t_relay()) sl_reply_error();
    exit;
}}
"""

DELIVER = """    if ($si == "{pstn_caller}") {{
        # A call from the PSTN to our number: to the account registered for it.
        $rU = "acme";
        if (!lookup("location")) {{ sl_send_reply("404", "Not Registered"); exit; }}
        xlog("L_NOTICE", "CARRIER DELIVERS to=$tU ruri=$ru\\n");
        t_relay();
        exit;
    }}
"""


def kamailio_script(listen, more_modules, routes, children=2, debug=2):
    """A Kamailio script: UDP on `listen` ("ip:port"), no DNS, tm/sl/rr/pv/maxfwd/textops/siputils
    plus `more_modules` (loadmodule and modparam lines), in-dialog requests along Record-Route and
    CANCEL to its transaction, then `routes`: the rest of request_route (closing it) and any other
    route blocks."""
    return SCRIPT.format(debug=debug, children=children, listen=listen, modules=MODULES,
                         more_modules=more_modules, routes=routes)


def kamailio_carrier_cfg(listen, password, pstn_caller, pstn_callee, children=2, debug=2):
    """The configuration of a carrier listening on `listen` ("ip:port"); `pstn_callee` is the
    "ip:port" our calls are sent to; calls from `pstn_caller` (an IP, or None for no such caller)
    go to acme's registered contact. A benchmark runs it with more children and debug=0 (no log
    line per call)."""
    deliver = DELIVER.format(pstn_caller=pstn_caller) if pstn_caller else ""
    routes = CARRIER_ROUTES.format(realm=REALM, password=password, deliver=deliver,
                                   pstn_callee=pstn_callee)
    return kamailio_script(listen, CARRIER_MODULES, routes, children=children, debug=debug)


def kamailio_argv(config, directory):
    """Kamailio in the foreground, logging to stderr, its runtime files in `directory`."""
    return ["kamailio", "-f", config, "-DD", "-E", "-w", directory, "-Y", directory, "-m", "64",
            "-M", "8"]
