"""docs/grafana-dashboard.json is valid JSON, is a well-formed Grafana dashboard, and charts the
metrics the real binary exports: every rtcgate_* name in its queries must be declared by a
running gateway (a histogram through its _bucket, _sum or _count series), every metric family
the gateway exports must be charted, and counters and histograms only appear under rate()."""
import json
import os
import re

from siptest import Gateway, HERE, check, parse_args, run_tests, tests_in

args = parse_args()
DASHBOARD = os.path.join(HERE, "..", "..", "docs", "grafana-dashboard.json")
NAME = re.compile(r"\brtcgate_[a-z_]+\b")
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")

# A trunk that registers (to a closed loopback port: it fails and retries) so that the trunk
# families are exported too.
TRUNK = ("trunks: [{ name: carrier, address: 'sip:127.0.0.1:9', username: u, password: p,"
         " register: { expires: 300 } }]\n")
gw = Gateway(args.binary, transports=("udp",), extra_yaml=TRUNK).start()


def load():
    with open(DASHBOARD) as f:
        return json.load(f)  # raises on invalid JSON


def queries(dashboard):
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel, target


def exported():
    """Family name -> type, from the live /metrics."""
    status, body = gw.http("GET", "/metrics")
    check(status == 200, f"/metrics answered {status}")
    return dict(line.split()[2:4] for line in body.splitlines() if line.startswith("# TYPE "))


def test_dashboard_is_well_formed():
    dashboard = load()
    check(dashboard["uid"] and dashboard["title"], "uid and title are required")
    ids = [panel["id"] for panel in dashboard["panels"]]
    check(len(ids) == len(set(ids)), f"panel ids repeat: {ids}")
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        check(grid["x"] + grid["w"] <= 24, f"panel {panel['title']} wider than the grid")
        if panel["type"] == "row":
            continue
        check(panel.get("targets"), f"panel {panel['title']} has no query")
        refs = [t["refId"] for t in panel["targets"]]
        check(len(refs) == len(set(refs)), f"refIds repeat in {panel['title']}")
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    check({"datasource", "instance"} <= variables, f"variables: {variables}")
    for panel, target in queries(dashboard):
        expr = target["expr"]
        check(expr.count("(") == expr.count(")"), f"unbalanced query: {expr}")
        check('instance=~"$instance"' in expr, f"query ignores $instance: {expr}")


def family_of(name, families):
    """rtcgate_x_seconds_bucket -> rtcgate_x_seconds when that is an exported histogram."""
    for suffix in HISTOGRAM_SERIES:
        base = name[: -len(suffix)]
        if name.endswith(suffix) and families.get(base) == "histogram":
            return base
    return name


def test_queries_name_exported_metrics_and_cover_them_all():
    families = exported()
    check(any(name.startswith("rtcgate_relay_") for name in families),
          "the gateway (embedded relay) exports no rtcgate_relay_* family")
    used = set()
    for _, target in queries(load()):
        used.update(family_of(name, families) for name in NAME.findall(target["expr"]))
    for name in sorted(used):
        check(name in families, f"the dashboard queries {name}, which rtcgate does not export")
    missing = sorted(set(families) - used)
    check(not missing, f"exported but not charted: {missing}")


def test_counters_are_charted_as_rates():
    families = exported()
    for _, target in queries(load()):
        expr = target["expr"]
        for name in NAME.findall(expr):
            counter = families.get(name) == "counter" or name.endswith("_total")
            histogram = families.get(family_of(name, families)) == "histogram"
            if counter or histogram:
                check(re.search(r"rate\(" + name + r"\{", expr),
                      f"counter {name} is not under rate(): {expr}")


run_tests(tests_in(dict(globals())), [gw])
