#include "app/Cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/Version.hpp"

namespace rtcgate::app {

int runCli(int argc, char** argv) {
  CLI::App cli{"rtcgate: WebRTC-to-SIP gateway"};
  cli.require_subcommand(1);
  auto* version = cli.add_subcommand("version", "print the version");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 1;
  }
  if (version->parsed()) std::printf("rtcgate %s\n", kVersion);
  return 0;
}

}  // namespace rtcgate::app
