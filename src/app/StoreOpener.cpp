#include "app/StoreOpener.hpp"

#include <filesystem>

#include "store/SqliteStore.hpp"

namespace rtcgate::app {

std::unique_ptr<store::Store> openStore(const Config& config, std::string& error) {
  const auto path = config.sqlitePath();
  if (path.empty()) {
    error = "store: " + config.store + ": PostgreSQL is not supported by this build yet";
    return nullptr;
  }
  std::error_code ec;
  const auto directory = std::filesystem::path(path).parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory, ec);
  if (ec) {
    error = "store: cannot create directory " + directory.string() + ": " + ec.message();
    return nullptr;
  }
  return store::SqliteStore::open(path, error);
}

}  // namespace rtcgate::app
