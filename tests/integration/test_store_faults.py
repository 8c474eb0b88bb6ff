"""Store faults never stop signalling (docs/store.md, "Faults"): with the database locked by
another process, or its file removed, REGISTER still gets 200 at once and the binding works
from memory, calls go on; the error is logged naming the file and SQLite's reason, counted in
rtcgate_store_*, and health says `degraded`; when the store is back (lock released, file
recreated with what the old one held), the waiting writes are caught up and health is ok."""
import json
import os
import re
import sqlite3
import time

from siptest import (Callee, Connection, Gateway, UserAgent, check, parse_args, place_call,
                     run_tests, tests_in)

args = parse_args()
USERS = ["alice", "bob", "u0", "u1", "u2"]
gw = Gateway(args.binary, transports=("udp",), users=[(u, f"{u}pw") for u in USERS])
gw.start()
UDP = gw.ports["udp"]
DB = os.path.join(gw.dir, "data", "rtcgate.db")


def api(path):
    status, body = gw.http("GET", path)
    check(status == 200, f"{path} answered {status}: {body}")
    return json.loads(body)


def health():
    return api("/api/v1/health")


def metric(name, labels=""):
    status, text = gw.http("GET", "/metrics")
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else None


def wait_healthy(timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if health()["status"] == "healthy":
            return
        time.sleep(0.2)
    raise AssertionError(f"still {health()} after {timeout} s\n{gw.log()[-3000:]}")


def register(user):
    ua = UserAgent(Connection("udp", UDP), user, password=f"{user}pw")
    started = time.time()
    response = ua.register(expires=600)
    took = time.time() - started
    check(response.status == 200, f"REGISTER {user}: {response.status}\n{gw.log()[-3000:]}")
    check(took < 1.0, f"REGISTER {user} took {took:.2f} s: the store stalled signalling")
    return ua


def call(callee_ua):
    caller = UserAgent(Connection("udp", UDP), "alice", password="alicepw")
    callee = Callee(callee_ua)
    final, _ = place_call(caller, callee_ua.user)
    check(final.status == 200, f"call to {callee_ua.user}: {final.status}\n{gw.log()[-3000:]}")
    callee.finish(gw.log()[-3000:])
    caller.c.close()
    return final.get("Call-ID")


def stored():
    """(AOR users with a binding, CDR call ids, subscribers) as the file holds them now."""
    db = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    try:
        users = {row[0].split("@")[0].removeprefix("sip:")
                 for row in db.execute("SELECT aor FROM registrations")}
        calls = {row[0] for row in db.execute("SELECT call_id FROM cdrs")}
        subscribers = {row[0] for row in db.execute("SELECT user FROM subscribers")}
        return users, calls, subscribers
    finally:
        db.close()


def wait_stored(user, call_id, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        users, calls, _ = stored()
        if user in users and call_id in calls:
            return
        time.sleep(0.2)
    raise AssertionError(f"{user} / {call_id} not in the store: {stored()}\n{gw.log()[-3000:]}")


def test_locked_database_queues_and_catches_up():
    locker = sqlite3.connect(DB, isolation_level=None, timeout=5)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        ua = register("u0")
        call_id = call(ua)  # the binding works from memory; the CDR waits too
        report = health()
        check(report["status"] == "degraded", f"health while locked: {report}")
        check("database is locked" in json.dumps(report) and DB in json.dumps(report),
              f"health names neither the file nor SQLite's reason: {report}")
        check(metric("rtcgate_store_pending_writes") >= 2, "no writes waiting while locked")
        check(metric("rtcgate_store_errors_total", '{op="save_binding"}') >= 1,
              "no save_binding error counted")
        check(re.search(r"store: \w+ failed on .*rtcgate\.db: .*database is locked", gw.log()),
              f"no error log naming the store and SQLite's reason:\n{gw.log()[-3000:]}")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    wait_healthy()
    wait_stored("u0", call_id)
    check(metric("rtcgate_store_pending_writes") == 0, "writes still waiting after the lock")
    check(metric("rtcgate_store_caught_up_writes_total") >= 2, "nothing counted as caught up")


def test_removed_file_is_recreated_with_what_it_held():
    _, calls_before, _ = stored()
    os.unlink(DB)
    ua = register("u1")  # may land in the removed file: the timer notices within 2 s
    call_id = call(ua)
    deadline = time.time() + 10
    while (metric("rtcgate_store_reopened_total") or 0) < 1 and time.time() < deadline:
        time.sleep(0.2)
    check(metric("rtcgate_store_reopened_total") == 1, f"not reopened:\n{gw.log()[-3000:]}")
    check(os.path.exists(DB), "the store file was not recreated")
    check(re.search(r"store: .*rtcgate\.db was removed or replaced", gw.log()),
          "no error log about the removed file")
    wait_stored("u1", call_id)
    users, calls, subscribers = stored()
    check({"u0", "u1"} <= users, f"bindings lost: {users}")
    check(calls_before <= calls, f"CDRs of the removed file lost: {calls_before - calls}")
    check(set(USERS) <= subscribers, f"subscribers lost: {subscribers}")
    wait_healthy()
    register("u2")  # auth reads the recreated file's subscribers
    wait_stored("u2", call_id)
    check(oct(os.stat(DB).st_mode & 0o777) == "0o600", "the recreated store is not private")


run_tests(tests_in(globals()), [gw])
