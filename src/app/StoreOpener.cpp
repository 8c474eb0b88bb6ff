#include "app/StoreOpener.hpp"

#include <filesystem>

#include "base/PrivateFiles.hpp"
#include "store/SqliteStore.hpp"

namespace rtcgate::app {

std::unique_ptr<store::Store> openStore(const Config& config, std::string& error) {
  const auto path = config.sqlitePath();
  if (path.empty()) {
    error = "store: " + config.store + ": PostgreSQL is not supported by this build yet";
    return nullptr;
  }
  // The store holds password hashes: its directory and file are private (SQLite gives its
  // journal and WAL files the database file's permissions).
  const auto directory = std::filesystem::path(path).parent_path();
  std::string why;
  if ((!directory.empty() && !createPrivateDirectory(directory.string(), why)) ||
      (path != ":memory:" && !createPrivateFile(path, why))) {
    error = "store: " + why;
    return nullptr;
  }
  return store::SqliteStore::open(path, error);
}

}  // namespace rtcgate::app
