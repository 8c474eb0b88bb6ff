#include "app/Cli.hpp"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/Commands.hpp"
#include "app/ConfigLoader.hpp"
#include "app/CtlCommand.hpp"
#include "app/Logging.hpp"
#include "app/SecretFileWarnings.hpp"
#include "base/Version.hpp"

namespace rtcgate::app {

namespace {

// Loads --config (or the defaults when none is given). On failure prints the first problem on
// one line, as every command that takes a config does, and returns false.
bool loadOrReport(const std::string& path, Config& config) {
  if (path.empty()) {
    config = defaultConfig();
    return true;
  }
  auto result = loadConfigFile(path);
  if (!result.ok()) {
    std::fprintf(stderr, "rtcgate: %s", result.errors.front().c_str());
    if (result.errors.size() > 1) {
      std::fprintf(stderr, " (and %zu more; see rtcgate check --config %s)",
                   result.errors.size() - 1, path.c_str());
    }
    std::fprintf(stderr, "\n");
    return false;
  }
  config = std::move(result.config);
  return true;
}

int check(const std::string& path) {
  const auto result = loadConfigFile(path);
  for (const auto& error : result.errors) std::fprintf(stderr, "%s\n", error.c_str());
  if (!result.ok()) return 1;
  for (const auto& warning : exposedSecretFiles(result.config, path)) {
    std::fprintf(stderr, "warning: %s\n", warning.c_str());
  }
  for (const auto& warning : configWarnings(result.config)) {
    std::fprintf(stderr, "warning: %s\n", warning.c_str());
  }
  std::printf("%s: configuration is valid\n", path.c_str());
  return 0;
}

}  // namespace

int runCli(int argc, char** argv) {
  CLI::App cli{"rtcgate: WebRTC-to-SIP gateway"};
  cli.require_subcommand(1);
  std::string configPath;

  auto* run = cli.add_subcommand("run", "run the gateway (signalling and embedded media relay)");
  run->add_option("--config", configPath, "YAML configuration file")->check(CLI::ExistingFile);

  auto* relay = cli.add_subcommand("relay", "run the media relay alone (ng protocol)");
  relay->add_option("--config", configPath, "YAML configuration file")->check(CLI::ExistingFile);

  auto* checkCmd = cli.add_subcommand("check", "validate a configuration file");
  checkCmd->add_option("--config", configPath, "YAML configuration file")->required();

  auto* user = cli.add_subcommand("user", "manage subscribers");
  user->require_subcommand(1);
  user->add_option("--config", configPath, "YAML configuration file (to find the store)");
  std::string userAddress, password;
  auto* userAdd = user->add_subcommand("add", "add a subscriber or change its password");
  userAdd->add_option("user", userAddress, "USER@DOMAIN")->required();
  userAdd->add_option("--password", password, "the password (stored as HA1 hashes)")->required();
  userAdd->add_option("--config", configPath, "YAML configuration file");
  auto* userDel = user->add_subcommand("del", "remove a subscriber");
  userDel->add_option("user", userAddress, "USER@DOMAIN")->required();
  userDel->add_option("--config", configPath, "YAML configuration file");
  auto* userList = user->add_subcommand("list", "list subscribers");
  userList->add_option("--config", configPath, "YAML configuration file");

  auto* version = cli.add_subcommand("version", "print the version");
  CtlCli ctl(cli);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : 1;
  }

  if (version->parsed()) {
    std::printf("rtcgate %s\n", kVersion);
    return 0;
  }
  if (checkCmd->parsed()) return check(configPath);
  if (ctl.parsed()) return ctl.run();

  Config config;
  if (!loadOrReport(configPath, config)) return 1;
  configureLogging(config.log.level, config.log.format, config.node.id);
  // What the commands below write (store, keys, generated secrets, CDRs) is for this account
  // only, whatever umask the service manager handed down.
  ::umask(077);
  if (user->parsed()) {
    if (userAdd->parsed()) return userAddCommand(config, userAddress, password);
    if (userDel->parsed()) return userDelCommand(config, userAddress);
    return userListCommand(config);
  }
  if (relay->parsed()) return relayCommand(config, configPath);
  return runCommand(config, configPath);
}

}  // namespace rtcgate::app
