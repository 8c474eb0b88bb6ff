"""Bundles an npm CommonJS package (JsSIP) into one browser script without a bundler dependency.

JsSIP's npm package ships CommonJS sources only (no dist/ since 3.10), and its browser use needs a
bundle. Every `require('x')` reachable from the package's browser entry point is resolved from
node_modules the way Node does (relative files, package.json "browser"/"main"), each module is
wrapped in a function, and a small loader evaluates the entry and assigns it to `window.<name>`.
Only literal require() calls are followed; a module that cannot be resolved is an error, so a
broken bundle never reaches the binary.
"""
import json
import os
import re

REQUIRE = re.compile(r"""\brequire\(\s*['"]([^'"]+)['"]\s*\)""")


class BundleError(Exception):
    pass


def _resolve_file(candidate):
    for path in (candidate, candidate + ".js", candidate + ".json",
                 os.path.join(candidate, "index.js")):
        if os.path.isfile(path):
            return os.path.normpath(path)
    raise BundleError("cannot resolve %s" % candidate)


def _package_entry(package_dir):
    with open(os.path.join(package_dir, "package.json"), encoding="utf-8") as f:
        package = json.load(f)
    browser = package.get("browser")
    entry = browser if isinstance(browser, str) else package.get("main") or "index.js"
    return _resolve_file(os.path.join(package_dir, entry))


def _resolve(node_modules, from_file, request):
    if request.startswith("."):
        return _resolve_file(os.path.join(os.path.dirname(from_file), request))
    parts = request.split("/")
    name_parts = 2 if request.startswith("@") else 1
    package_dir = os.path.join(node_modules, *parts[:name_parts])
    if not os.path.isfile(os.path.join(package_dir, "package.json")):
        raise BundleError("module '%s' required by %s is not installed" % (request, from_file))
    if len(parts) > name_parts:
        return _resolve_file(os.path.join(package_dir, *parts[name_parts:]))
    return _package_entry(package_dir)


def bundle(node_modules, package, global_name):
    """The bundle of `package` (a directory name in `node_modules`) as a string."""
    ids, sources = {}, []

    def add(path):
        if path in ids:
            return ids[path]
        ids[path] = len(sources)
        sources.append(None)
        with open(path, encoding="utf-8") as f:
            code = f.read()
        if path.endswith(".json"):
            code = "module.exports = " + code + ";"
        requires = {}
        for request in REQUIRE.findall(code):
            requires[request] = add(_resolve(node_modules, path, request))
        sources[ids[path]] = "[function (module, exports, require) {\n%s\n}, %s]" % (
            code, json.dumps(requires, sort_keys=True))
        return ids[path]

    entry = add(_package_entry(os.path.join(node_modules, package)))
    return """/* %s bundled from node_modules by rtcgate web/tools/bundle_commonjs.py */
(function () {
  var defs = [%s];
  var cache = {};
  function load(id) {
    if (cache[id]) return cache[id].exports;
    var module = cache[id] = { exports: {} };
    defs[id][0].call(module.exports, module, module.exports, function (name) {
      if (!(name in defs[id][1])) throw new Error('module not bundled: ' + name);
      return load(defs[id][1][name]);
    });
    return module.exports;
  }
  window.process = window.process || { env: {} };
  window.%s = load(%d);
})();
""" % (package, ",\n".join(sources), global_name, entry)
