#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace rtcgate::app {

// What `rtcgate ctl` was asked, once the command line is parsed.
struct CtlRequest {
  std::string api;         // --api URL; empty: http.listen of --config, else 127.0.0.1:8088
  std::string token;       // --token, else $RTCGATE_TOKEN; empty: http.token of --config
  std::string configPath;  // --config
  bool json = false;       // --json: print the raw answer
  std::string command;     // health, stats, registrations, calls, call, hangup, originate, reload
  // call/hangup: ID; originate: FROM TO; registrations: [USER];
  // transfer: ID TARGET caller|callee [REPLACES] (TARGET empty when REPLACES is given)
  std::vector<std::string> args;
};

struct CtlResult {
  int exitCode = 0;  // 0 success, 1 failure (unreachable, refused, error answer, critical health)
  std::string out;   // for stdout
  std::string err;   // for stderr, one line per problem
};

// Runs one ctl command against the management API; prints nothing itself so tests read both
// streams.
CtlResult runCtl(const CtlRequest& request);

// The `ctl` subcommand of the rtcgate command line (one line each to wire into runCli):
//   CtlCli ctl(cli);                       // after the other subcommands are declared
//   if (ctl.parsed()) return ctl.run();    // after cli.parse
class CtlCli {
 public:
  explicit CtlCli(CLI::App& cli);
  bool parsed() const;
  // Fills the token from RTCGATE_TOKEN when --token is absent, runs, prints; the exit status.
  int run();

 private:
  CLI::App* ctl_ = nullptr;
  CtlRequest request_;
  std::string id_, from_, to_, user_;
  bool transferCallee_ = false;
};

}  // namespace rtcgate::app
