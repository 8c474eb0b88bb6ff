#pragma once

namespace rtcgate::app {

// Parses the command line (run, relay, check, user, version) and runs the chosen command.
// Returns the process exit status: 0 success, 1 bad input.
int runCli(int argc, char** argv);

}  // namespace rtcgate::app
