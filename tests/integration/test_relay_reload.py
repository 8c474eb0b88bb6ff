"""`rtcgate relay` takes SIGHUP as a reload, as `rtcgate run` does: it re-reads its --config,
applies log.level and relay.allowed_sources at once, logs the keys that need a restart, keeps
answering ng and still exits 0 on SIGTERM."""
import os
import random
import shutil
import signal
import tempfile
import time

from siptest import Process, check, free_port, parse_args, run_tests, tests_in
import test_relay_kamailio as kit  # noqa: E402  (ng client)

args = parse_args()
NG = free_port(both=False)
DIR = tempfile.mkdtemp(prefix="rtcgate-relay-reload-")
CONFIG = os.path.join(DIR, "relay.yaml")
LOW = random.randrange(40000, 59000, 200)


def write_config(allowed, level="info", ports=f"{LOW}-{LOW + 99}"):
    with open(CONFIG, "w") as f:
        f.write(f"log: {{ level: {level} }}\n"
                f"relay:\n  listen: [udp://127.0.0.1:{NG}]\n  allowed_sources: [{allowed}]\n"
                f"media: {{ ports: {ports} }}\n")


def answers_ping():
    reply = kit.ng(NG, {"command": "ping"}, timeout=0.3, tries=2) or {}
    return reply.get("result") == "pong"


def wait_log(text, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in relay.output():
            return
        time.sleep(0.05)
    check(False, f"the relay never logged {text!r}:\n{relay.output()[-3000:]}")


write_config("127.0.0.0/8")
relay = Process([os.path.abspath(args.binary), "relay", "--config", CONFIG], os.path.join(DIR, "relay.log"),
                cwd=DIR)
for _ in range(50):
    if answers_ping():
        break
check(answers_ping(), f"rtcgate relay did not answer ping:\n{relay.output()}")


def hangup():
    before = relay.output().count("configuration reload")
    relay.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 5
    while relay.output().count("configuration reload") == before and time.time() < deadline:
        time.sleep(0.05)
    check(relay.proc.poll() is None, f"SIGHUP stopped the relay ({relay.proc.returncode}):\n"
                                     f"{relay.output()[-3000:]}")


def test_sighup_with_nothing_changed_keeps_answering():
    hangup()
    wait_log("configuration reloaded: nothing to apply")
    check(answers_ping(), "no ping answer after SIGHUP")


def test_allowed_sources_and_log_level_apply_live():
    write_config("10.0.0.0/8", level="debug", ports=f"{LOW}-{LOW + 199}")
    hangup()
    wait_log("applied log.level, relay.allowed_sources; needs restart: media.ports")
    check(not answers_ping(),
          f"a source no longer in relay.allowed_sources was answered:\n{relay.output()}")
    wait_log("which relay.allowed_sources does not allow")
    write_config("127.0.0.1")
    hangup()
    check(answers_ping(), f"no ping answer once 127.0.0.1 is allowed again:\n{relay.output()}")


def test_a_bad_file_is_refused_and_changes_nothing():
    with open(CONFIG, "w") as f:
        f.write("relay: { allowed_sources: [not-an-address] }\n")
    hangup()
    wait_log("configuration reload refused: relay.allowed_sources[0]")
    check(answers_ping(), "the relay stopped answering after a refused reload")


class Relay:
    """What run_tests stops at the end: the relay must exit 0 on SIGTERM."""

    def stop(self):
        return relay.stop()

    def log(self):
        return relay.output()

    def cleanup(self):
        shutil.rmtree(DIR, ignore_errors=True)


run_tests(tests_in(dict(globals())), [Relay()])
