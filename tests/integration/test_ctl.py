"""`rtcgate ctl` against the real binary: health, registrations (after a real REGISTER), --json
stats, --config to find the API, and a clear error with exit 1 when nothing listens."""
import json
import re
import socket
import subprocess

from siptest import (Connection, Gateway, UserAgent, check, parse_args, run_tests, tests_in)

args = parse_args()
gw = Gateway(args.binary, transports=("udp", "tcp")).start()
API = f"http://127.0.0.1:{gw.http_port}"


def ctl(*arguments, env=None):
    out = subprocess.run([args.binary, "ctl", *arguments], capture_output=True, text=True,
                         timeout=30, env=env)
    return out.returncode, out.stdout, out.stderr


def test_health_prints_status_uptime_and_version():
    rc, out, err = ctl("--api", API, "health")
    check(rc == 0, f"ctl health exited {rc}: {err}")
    check(re.match(r"status\s+healthy\n", out), f"no healthy status line:\n{out}")
    check(re.search(r"^uptime\s+\d+s", out, re.M), f"no uptime line:\n{out}")
    check(re.search(r"^version\s+\d+\.\d+\.\d+", out, re.M), f"no version line:\n{out}")
    check(err == "", f"unexpected stderr: {err}")


def test_registrations_table_lists_a_registered_user():
    ua = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    response = ua.register(expires=300)
    check(response.status == 200, f"REGISTER answered {response.status}")
    rc, out, err = ctl("--api", API, "registrations")
    check(rc == 0, f"ctl registrations exited {rc}: {err}")
    lines = out.splitlines()
    header = lines[0]
    check(header.split() == ["AOR", "CONTACT", "TRANSPORT", "SOURCE", "EXPIRES", "USER", "AGENT"],
          f"header: {header!r}")
    row = next((line for line in lines[1:] if line.startswith("alice@localhost")), None)
    check(row, f"alice not listed:\n{out}")
    # Aligned: each column starts where its header starts.
    for title in ("TRANSPORT", "SOURCE", "EXPIRES"):
        start = header.index(title)
        check(row[start - 2:start] == "  " and row[start] != " ",
              f"column {title} not aligned:\n{out}")
    check(row[header.index("TRANSPORT"):].startswith("udp"), f"transport column:\n{out}")
    check(re.search(r"\b[45]m \d\ds\b", row), f"expiry not shown as minutes:\n{row}")
    rc, out, _ = ctl("--api", API, "registrations", "nobody")
    check(rc == 0 and out == "no registrations\n", f"filtered list: {out!r}")


def test_json_stats_is_the_api_answer():
    rc, out, err = ctl("--api", API, "--json", "stats")
    check(rc == 0, f"ctl --json stats exited {rc}: {err}")
    metrics = json.loads(out)["metrics"]
    family = metrics["rtcgate_sip_requests_received_total"]
    check(family["type"] == "counter", f"type: {family}")
    check(family["samples"][0]["value"] >= 2, f"REGISTERs not counted: {family}")
    check("rtcgate_connections_open" in metrics, "connections gauge missing")
    # The option may also follow the command.
    rc, again, _ = ctl("--api", API, "stats", "--json")
    check(rc == 0 and "rtcgate_registered_contacts" in json.loads(again)["metrics"], again)


def test_table_stats_show_labels():
    rc, out, err = ctl("--api", API, "stats")
    check(rc == 0, err)
    check(re.search(r"^rtcgate_connections_open\s+transport=udp\s+0$", out, re.M),
          f"labelled gauge row missing:\n{out}")


def test_config_file_gives_the_api_address():
    rc, out, err = ctl("--config", gw.config, "health")
    check(rc == 0 and out.startswith("status"), f"ctl --config: {rc} {out} {err}")


def test_closed_port_is_a_clear_error():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, out, err = ctl("--api", f"http://127.0.0.1:{port}", "health")
    check(rc == 1, f"exit status {rc}")
    check(out == "", f"stdout: {out!r}")
    check(err == f"rtcgate ctl: cannot reach the management API at http://127.0.0.1:{port}: "
                 "is rtcgate run running?\n", f"stderr: {err!r}")


def test_bad_usage_exits_1():
    rc, _, err = ctl("--api", API, "call")  # the id is required
    check(rc == 1 and "id" in err, f"missing id: {rc} {err}")
    rc, _, err = ctl("--api", "https://127.0.0.1:1", "health")
    check(rc == 1 and "only http://" in err, f"https: {rc} {err}")


run_tests(tests_in(dict(globals())), [gw])
