#include "app/Cli.hpp"

int main(int argc, char** argv) { return rtcgate::app::runCli(argc, argv); }
