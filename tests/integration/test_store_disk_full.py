"""A full disk never stops signalling (docs/store.md, "Faults"): the store lives on a 2 MiB tmpfs
mounted in a mount namespace of this test's own (`unshare -m`, nothing outside sees it); the
test fills it, REGISTER still gets 200 at once and the binding takes a call from memory, health
is `degraded` with SQLite's "database or disk is full", and once space is freed the waiting
writes reach the file and health is `healthy` again."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

if os.environ.get("RTCGATE_TEST_MOUNTED") is None:
    # Re-run inside a private mount namespace with the tmpfs mounted there.
    mount = tempfile.mkdtemp(prefix="rtcgate-full-")
    script = (f"mount -t tmpfs -o size=2m,mode=0700 rtcgate-full {mount} && "
              f"exec {sys.executable} {' '.join(map(repr, sys.argv))}")
    env = dict(os.environ, RTCGATE_TEST_MOUNTED=mount)
    status = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                            env=env).returncode
    os.rmdir(mount)
    sys.exit(status)

from siptest import (Callee, Connection, Gateway, UserAgent, check, parse_args,  # noqa: E402
                     place_call, run_tests, tests_in)

args = parse_args()
MOUNT = os.environ["RTCGATE_TEST_MOUNTED"]
DB = os.path.join(MOUNT, "rtcgate.db")
FILLER = os.path.join(MOUNT, "filler")
USERS = ["alice", "u0"]
gw = Gateway(args.binary, transports=("udp",), users=[(u, f"{u}pw") for u in USERS],
             extra_yaml=f"store: sqlite:{DB}\n")
gw.start()
UDP = gw.ports["udp"]


def health():
    status, body = gw.http("GET", "/api/v1/health")
    check(status == 200, f"health answered {status}: {body}")
    return json.loads(body)


def register(user):
    ua = UserAgent(Connection("udp", UDP), user, password=f"{user}pw")
    started = time.time()
    response = ua.register(expires=600)
    check(response.status == 200, f"REGISTER {user}: {response.status}\n{gw.log()[-3000:]}")
    check(time.time() - started < 1.0, "the full disk stalled signalling")
    return ua


def fill_disk():
    fd = os.open(FILLER, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def stored_users():
    db = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    try:
        return {row[0].split("@")[0].removeprefix("sip:")
                for row in db.execute("SELECT aor FROM registrations")}
    finally:
        db.close()


def test_full_disk_queues_and_catches_up():
    fill_disk()
    ua = register("u0")
    caller = UserAgent(Connection("udp", UDP), "alice", password="alicepw")
    callee = Callee(ua)
    final, _ = place_call(caller, "u0")
    check(final.status == 200, f"call to u0 on a full disk: {final.status}\n{gw.log()[-3000:]}")
    callee.finish(gw.log()[-3000:])
    report = json.dumps(health())
    check('"degraded"' in report and "full" in report, f"health on a full disk: {report}")
    check(re.search(r"store: \w+ failed on .*rtcgate\.db: .*disk is full", gw.log()),
          f"no error log naming the store and SQLite's reason:\n{gw.log()[-3000:]}")
    check("u0" not in stored_users(), "u0 reached a full disk?")
    os.remove(FILLER)
    deadline = time.time() + 10
    while health()["status"] != "healthy" and time.time() < deadline:
        time.sleep(0.2)
    check(health()["status"] == "healthy", f"still {health()} after space was freed")
    check("u0" in stored_users(), f"u0 not caught up: {stored_users()}")


run_tests(tests_in(globals()), [gw])
