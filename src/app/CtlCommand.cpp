#include "app/CtlCommand.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "app/ConfigLoader.hpp"
#include "ctl/ApiClient.hpp"
#include "ctl/CtlFormat.hpp"
#include "http/Json.hpp"

namespace rtcgate::app {

namespace {

constexpr const char* kDefaultApi = "http://127.0.0.1:8088";

CtlResult failure(std::string message) {
  return CtlResult{1, {}, "rtcgate ctl: " + message + "\n"};
}

// The endpoint and token: flags first, then the configuration file, then the defaults.
bool resolveClient(const CtlRequest& request, std::optional<ctl::ApiClient>& client,
                   std::string& why) {
  std::string token = request.token;
  std::optional<ctl::ApiEndpoint> endpoint;
  if (!request.configPath.empty()) {
    auto loaded = loadConfigFile(request.configPath);
    if (!loaded.ok()) {
      why = loaded.errors.front();
      return false;
    }
    if (token.empty()) token = loaded.config.http.token;
    if (request.api.empty()) {
      endpoint = ctl::ApiEndpoint::fromListen(loaded.config.http.listen, why);
      if (!endpoint) return false;
    }
  }
  if (!endpoint) {
    endpoint = ctl::ApiEndpoint::parse(request.api.empty() ? kDefaultApi : request.api, why);
    if (!endpoint) return false;
  }
  client.emplace(std::move(*endpoint), std::move(token));
  return true;
}

struct Step {
  ctl::ApiOutcome outcome;
  std::function<std::string(const http::JsonValue&)> format;
};

Step perform(const ctl::ApiClient& client, const CtlRequest& request) {
  const auto& command = request.command;
  const auto arg = [&](std::size_t i) {
    return i < request.args.size() ? request.args[i] : std::string();
  };
  if (command == "health") return {client.get("/api/v1/health"), ctl::formatHealth};
  if (command == "stats") return {client.get("/api/v1/stats"), ctl::formatStats};
  if (command == "registrations") {
    const std::string query =
        arg(0).empty() ? "" : "?user=" + ctl::ApiClient::encodeSegment(arg(0));
    return {client.get("/api/v1/registrations" + query), ctl::formatRegistrations};
  }
  if (command == "calls") return {client.get("/api/v1/calls"), ctl::formatCalls};
  const std::string callPath = "/api/v1/calls/" + ctl::ApiClient::encodeSegment(arg(0));
  if (command == "call") return {client.get(callPath), ctl::formatCall};
  if (command == "hangup") {
    return {client.del(callPath), [id = arg(0)](const http::JsonValue& reply) {
              return "call " + (reply["ended"].isNull() ? id : reply["ended"].toText()) +
                     " ended\n";
            }};
  }
  if (command == "hold" || command == "resume") {
    return {client.post(callPath + "/" + command, ""),
            [id = arg(0), command](const http::JsonValue& reply) {
              const bool pending = reply["pending"].asBool();
              return "call " + id + (command == "hold" ? " hold" : " resume") +
                     (pending ? ": re-INVITEs sent\n" : ": already so\n");
            }};
  }
  if (command == "transfer") {
    // ID TARGET caller|callee, or ID "" caller|callee REPLACES (attended).
    std::string body = "{";
    if (arg(3).empty()) {
      body += "\"target\":";
      http::appendJsonString(body, arg(1));
    } else {
      body += "\"replaces\":" + std::to_string(std::strtoull(arg(3).c_str(), nullptr, 10));
    }
    body += std::string(",\"transferee\":\"") + (arg(2) == "callee" ? "callee" : "caller") + "\"}";
    return {client.post(callPath + "/transfer", std::move(body)),
            [id = arg(0)](const http::JsonValue& reply) {
              return "call " + id + ": REFER sent to the " + reply["transferee"].toText() +
                     " (call.transfer events follow)\n";
            }};
  }
  if (command == "originate") {
    std::string body = "{\"from\":";
    http::appendJsonString(body, arg(0));
    body += ",\"to\":";
    http::appendJsonString(body, arg(1));
    body += '}';
    return {client.post("/api/v1/calls", std::move(body)),
            [from = arg(0), to = arg(1)](const http::JsonValue& reply) {
              return "call " + reply["id"].toText() + " started: " + from + " -> " + to + "\n";
            }};
  }
  if (command == "reload") return {client.post("/api/v1/reload", {}), ctl::formatReload};
  if (command == "bans") return {client.get("/api/v1/bans"), ctl::formatBans};
  if (command == "unban") {
    return {client.del("/api/v1/bans/" + ctl::ApiClient::encodeSegment(arg(0))),
            [source = arg(0)](const http::JsonValue&) { return "ban of " + source + " lifted\n"; }};
  }
  ctl::ApiOutcome unknown;
  unknown.error = "unknown command '" + command + "'";
  return {unknown, nullptr};
}

}  // namespace

CtlResult runCtl(const CtlRequest& request) {
  std::optional<ctl::ApiClient> client;
  std::string why;
  if (!resolveClient(request, client, why)) return failure(why);

  auto [outcome, format] = perform(*client, request);
  // A critical gateway answers health with 503 and the full report: show it, then fail.
  const bool criticalHealth =
      request.command == "health" && outcome.status == 503 && outcome.json.has("status");
  // An endpoint may also say {"error": ...} with a 2xx status (reload refusing a bad file).
  if (outcome.ok() && outcome.json.has("error")) outcome.error = outcome.json["error"].toText();
  if (!outcome.ok() && !criticalHealth) return failure(outcome.error);

  CtlResult result;
  result.exitCode = criticalHealth ? 1 : 0;
  if (request.json) {
    result.out = outcome.body;
    if (result.out.empty() || result.out.back() != '\n') result.out += '\n';
  } else {
    result.out = format(outcome.json);
  }
  return result;
}

CtlCli::CtlCli(CLI::App& cli) {
  ctl_ = cli.add_subcommand("ctl", "query and control a running gateway (management API)");
  ctl_->add_option("--api", request_.api,
                   "management API URL (default: http.listen of --config, else " +
                       std::string(kDefaultApi) + ")");
  ctl_->add_option("--token", request_.token,
                   "bearer token (default: $RTCGATE_TOKEN, else http.token of --config)");
  ctl_->add_option("--config", request_.configPath, "YAML configuration of the gateway")
      ->check(CLI::ExistingFile);
  ctl_->add_flag("--json", request_.json, "print the API's JSON answer as is");
  ctl_->require_subcommand(1);
  ctl_->fallthrough();  // `rtcgate ctl stats --json` works as well as `ctl --json stats`

  ctl_->add_subcommand("health", "overall status, uptime, version and failing checks");
  ctl_->add_subcommand("stats", "every metric");
  auto* registrations = ctl_->add_subcommand("registrations", "registered contacts");
  registrations->add_option("user", user_, "only this user (or AoR)");
  ctl_->add_subcommand("calls", "calls in progress");
  auto* call = ctl_->add_subcommand("call", "one call in detail, with its media");
  call->add_option("id", id_, "call id")->required();
  auto* hangup = ctl_->add_subcommand("hangup", "end a call");
  hangup->add_option("id", id_, "call id")->required();
  for (const char* name : {"hold", "resume"}) {
    auto* holdCommand = ctl_->add_subcommand(
        name, std::string(name) + " a call (a re-INVITE to each side; media through the relay)");
    holdCommand->add_option("id", id_, "call id")->required();
  }
  auto* transfer = ctl_->add_subcommand(
      "transfer",
      "transfer a call: its caller (or --callee) calls TARGET, or takes over the "
      "transferor's call --replaces ID2 (attended)");
  transfer->add_option("id", id_, "call id")->required();
  auto* target = transfer->add_option("target", to_, "SIP URI the transferee is asked to call");
  auto* replaces =
      transfer->add_option("--replaces", from_, "attended: the transferor's other call's id");
  target->excludes(replaces);
  transfer->add_flag("--callee", transferCallee_, "transfer the callee instead of the caller");
  auto* originate = ctl_->add_subcommand("originate", "place a call from one party to another");
  originate->add_option("from", from_, "caller (USER or SIP URI), rung first")->required();
  originate->add_option("to", to_, "callee (USER, number or SIP URI)")->required();
  ctl_->add_subcommand("reload", "re-read the configuration file (routes, TLS, log level)");
  ctl_->add_subcommand("bans", "sources banned for failed credentials");
  auto* unban = ctl_->add_subcommand("unban", "lift the ban of a source address");
  unban->add_option("source", id_, "the banned IP address")->required();
}

bool CtlCli::parsed() const { return ctl_->parsed(); }

int CtlCli::run() {
  for (const auto* sub : ctl_->get_subcommands()) request_.command = sub->get_name();
  if (request_.command == "originate") {
    request_.args = {from_, to_};
  } else if (request_.command == "transfer") {
    if (to_.empty() && from_.empty()) {
      std::fputs("rtcgate ctl transfer: give a TARGET or --replaces ID\n", stderr);
      return 2;
    }
    request_.args = {id_, to_, transferCallee_ ? "callee" : "caller", from_};
  } else if (request_.command == "registrations") {
    request_.args = {user_};
  } else {
    request_.args = {id_};
  }
  if (request_.token.empty()) {
    if (const char* token = std::getenv("RTCGATE_TOKEN")) request_.token = token;
  }
  const CtlResult result = runCtl(request_);
  std::fputs(result.out.c_str(), stdout);
  std::fputs(result.err.c_str(), stderr);
  return result.exitCode;
}

}  // namespace rtcgate::app
