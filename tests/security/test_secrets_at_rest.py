"""Secrets at rest (issue 13, item 11): another local account must not read what rtcgate keeps.

The real binary creates its data directory, SQLite store and self-signed TLS key under an
ordinary umask (022, as most services inherit); they must come out 0700 / 0600 all the same. A
token can come from a file (http.token_file) instead of the configuration, and `rtcgate check`
warns when such a file is readable by group or others.
"""
import http.client
import os
import stat
import subprocess

from sinks import siptest  # noqa: F401
from siptest import Gateway, check, parse_args, run_tests, tests_in

args = parse_args()
os.umask(0o022)  # what a service usually inherits; rtcgate must not rely on a strict one
gw = Gateway(args.binary, transports=("udp", "wss"))
TOKEN = "file-token-7f3a"
token_file = os.path.join(gw.dir, "api.token")
with open(token_file, "w") as f:
    f.write(TOKEN + "\n")
os.chmod(token_file, 0o600)
with open(gw.config) as f:
    config = f.read()
with open(gw.config, "w") as f:
    f.write(config.replace(f"http: {{ listen: 127.0.0.1:{gw.http_port} }}",
                           f"http: {{ listen: 127.0.0.1:{gw.http_port}, "
                           f"token_file: {token_file} }}"))
gw.start()
DATA = os.path.join(gw.dir, "data")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_data_directory_is_private():
    check(mode(DATA) == 0o700, f"data directory {DATA} is {oct(mode(DATA))}")
    tls = os.path.join(DATA, "tls")
    check(mode(tls) == 0o700, f"{tls} is {oct(mode(tls))}")


def test_store_and_key_are_private():
    created = [name for name in os.listdir(DATA)
               if name.startswith("rtcgate.db")] + ["tls/server.key"]
    check("rtcgate.db" in created, f"no store in {DATA}: {os.listdir(DATA)}")
    for name in created:
        path = os.path.join(DATA, name)
        check(mode(path) == 0o600, f"{name} is {oct(mode(path))}")


def api(path, token=None):
    connection = http.client.HTTPConnection("127.0.0.1", gw.http_port, timeout=5)
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def test_token_from_a_file():
    check(api("/api/v1/stats") == 401, "the API answered without the token of http.token_file")
    check(api("/api/v1/stats", TOKEN) == 200, "the token of http.token_file was refused")
    check(api("/api/v1/stats", TOKEN[:-1]) == 401, "a wrong token was taken")


def rtcgate_check():
    out = subprocess.run([args.binary, "check", "--config", gw.config], capture_output=True,
                         text=True)
    return out.returncode, out.stdout + out.stderr


def test_check_warns_about_readable_secret_files():
    status, output = rtcgate_check()
    check(status == 0 and "warning" not in output.lower(), f"a private token file: {output}")
    os.chmod(token_file, 0o644)
    try:
        status, output = rtcgate_check()
        check(status == 0, f"a readable token file is a warning, not an error: {output}")
        check("warning" in output.lower() and "http.token_file" in output,
              f"no warning about the readable token file: {output}")
    finally:
        os.chmod(token_file, 0o600)


def test_unreadable_secret_file_is_an_error_naming_the_key():
    missing = os.path.join(gw.dir, "missing.token")
    broken = os.path.join(gw.dir, "broken.yaml")
    with open(gw.config) as f:
        text = f.read().replace(token_file, missing)
    with open(broken, "w") as f:
        f.write(text)
    out = subprocess.run([args.binary, "check", "--config", broken], capture_output=True,
                         text=True)
    check(out.returncode == 1 and "http.token_file" in out.stderr,
          f"a missing token file: {out.returncode} {out.stderr}")


run_tests(tests_in(globals()), [gw])
