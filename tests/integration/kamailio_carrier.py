"""Kamailio as a SIP carrier for the trunk tests (test_trunk_kamailio, e2e test_browser_trunk):
a registrar with digest on REGISTER (401) and on the INVITEs it gets from us (407), the account
"acme" only. Calls from the PSTN caller's address go to the contact registered for acme; our
calls go to the PSTN callee. What it authenticated and saw is logged (xlog) for the tests:
  CARRIER REGISTER au=... ct=...
  CARRIER DELIVERS to=<To user> ruri=<the registered contact>
  CARRIER CHALLENGES from=<From user>
  CARRIER INVITE au=... ruri=<R-URI user> from=<From user> pai=<P-Asserted-Identity>"""

MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"

CONFIG = """#!KAMAILIO
debug=2
log_stderror=yes
children=2
disable_tcp=yes
listen=udp:{listen}
mpath="{modules}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "xlog.so"
modparam("usrloc", "db_mode", 0)

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) t_relay(); exit; }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) t_relay(); exit; }}
    if (is_method("OPTIONS")) {{ sl_send_reply("200", "OK"); exit; }}
    if (is_method("REGISTER")) {{
        if (!pv_www_authenticate("carrier.test", "{password}", "0")) {{
            www_challenge("carrier.test", "1");
            exit;
        }}
        if ($au != "acme") {{ sl_send_reply("403", "Forbidden"); exit; }}
        xlog("L_NOTICE", "CARRIER REGISTER au=$au ct=$ct\\n");
        if (!save("location")) sl_reply_error();
        exit;
    }}
    if (!is_method("INVITE")) {{ sl_send_reply("405", "Method Not Allowed"); exit; }}
    record_route();
    if ($si == "{pstn_caller}") {{
        # A call from the PSTN to our number: to the account registered for it.
        $rU = "acme";
        if (!lookup("location")) {{ sl_send_reply("404", "Not Registered"); exit; }}
        xlog("L_NOTICE", "CARRIER DELIVERS to=$tU ruri=$ru\\n");
        t_relay();
        exit;
    }}
    if (!pv_proxy_authenticate("carrier.test", "{password}", "0")) {{
        xlog("L_NOTICE", "CARRIER CHALLENGES from=$fU\\n");
        proxy_challenge("carrier.test", "1");
        exit;
    }}
    if ($au != "acme") {{ sl_send_reply("403", "Forbidden"); exit; }}
    consume_credentials();
    xlog("L_NOTICE", "CARRIER INVITE au=$au ruri=$rU from=$fU pai=$ai\\n");
    $du = "sip:{pstn_callee}";
    t_relay();
    exit;
}}
"""


def kamailio_carrier_cfg(listen, password, pstn_caller, pstn_callee):
    """The configuration of a carrier listening on `listen` ("ip:port"); `pstn_callee` is the
    "ip:port" our calls are sent to."""
    return CONFIG.format(listen=listen, modules=MODULES, password=password,
                         pstn_caller=pstn_caller, pstn_callee=pstn_callee)


def kamailio_argv(config, directory):
    """Kamailio in the foreground, logging to stderr, its runtime files in `directory`."""
    return ["kamailio", "-f", config, "-DD", "-E", "-w", directory, "-Y", directory, "-m", "64",
            "-M", "8"]
