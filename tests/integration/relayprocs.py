"""`rtcgate relay` processes for the tests that put several ng relays behind one gateway
(media.relay): start one on a given ng port, ask one which calls it holds (ng `list`), and run
a test module's tests with its relays stopped at the end."""
import os
import random
import subprocess

from siptest import run_tests

import test_relay_kamailio as kit  # ng client


def start_relay(binary, directory, ng_port, relay_keys=""):
    """An `rtcgate relay` with its config in `directory`, answering ng pings on `ng_port`;
    `relay_keys`: more YAML lines of its `relay:` section ("  record_dir: DIR\\n")."""
    config = os.path.join(directory, f"relay-{ng_port}.yaml")
    low = random.randrange(40000, 59000, 200)
    with open(config, "w") as f:
        f.write(f"relay:\n  listen: [udp://127.0.0.1:{ng_port}]\n{relay_keys}media:\n"
                f"  ports: {low}-{low + 99}\n  timeout: 120\n")
    proc = subprocess.Popen([binary, "relay", "--config", config], cwd=directory,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        if (kit.ng(ng_port, {"command": "ping"}, timeout=0.2, tries=1) or {}).get("result"):
            return proc
    proc.kill()
    raise AssertionError(f"rtcgate relay on {ng_port} did not answer ping")


def calls_on(ng_port):
    return (kit.ng(ng_port, {"command": "list"}) or {}).get("calls", [])


def run_tests_then_stop(tests, gateways, relay_procs):
    try:
        run_tests(tests, gateways)
    finally:
        for proc in relay_procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
