#include "app/StoreOpener.hpp"

#include <filesystem>

#include "base/PrivateFiles.hpp"
#include "store/SqliteStore.hpp"

namespace rtcgate::app {
namespace {

// The gateway waits this long for another process's lock (`rtcgate user add` holds it for
// well under a millisecond); past it the write is queued rather than stalling the loop.
constexpr int kGatewayBusyTimeoutMs = 50;

store::SqliteOptions sqliteOptions(const Config& config, int busyTimeoutMs) {
  store::SqliteOptions options;
  options.sync = config.storeSync == "full" ? store::SqliteSync::Full : store::SqliteSync::Normal;
  options.busyTimeoutMs = busyTimeoutMs;
  return options;
}

// The private file (and directory) the SQLite database lives in; "" with error set on failure.
std::string preparePath(const Config& config, std::string& error) {
  const auto path = config.sqlitePath();
  if (path.empty()) {
    error = "store: " + config.store + ": PostgreSQL is not supported by this build yet";
    return {};
  }
  // The store holds password hashes: its directory and file are private (SQLite gives its
  // journal and WAL files the database file's permissions).
  const auto directory = std::filesystem::path(path).parent_path();
  std::string why;
  if ((!directory.empty() && !createPrivateDirectory(directory.string(), why)) ||
      (path != ":memory:" && !createPrivateFile(path, why))) {
    error = "store: " + why;
    return {};
  }
  return path;
}

}  // namespace

std::unique_ptr<store::Store> openStore(const Config& config, std::string& error) {
  const auto path = preparePath(config, error);
  if (path.empty()) return nullptr;
  return store::SqliteStore::open(path, error, sqliteOptions(config, 1000));
}

std::unique_ptr<store::ResilientStore> openGatewayStore(const Config& config, Timers& timers,
                                                        std::string& error) {
  const auto path = preparePath(config, error);
  if (path.empty()) return nullptr;
  const auto options = sqliteOptions(config, kGatewayBusyTimeoutMs);
  auto sqlite = store::SqliteStore::open(path, error, options);
  if (!sqlite) return nullptr;
  auto reopen = [config, options](std::unique_ptr<store::Store> old,
                                  std::string& why) -> std::unique_ptr<store::Store> {
    // The backend this function made (a SqliteStore), handed back to be replaced.
    std::unique_ptr<store::SqliteStore> detached(static_cast<store::SqliteStore*>(old.release()));
    const auto path = config.sqlitePath();
    const auto directory = std::filesystem::path(path).parent_path().string();
    if (!directory.empty() && !createPrivateDirectory(directory, why)) return nullptr;
    if (detached) return store::SqliteStore::reopen(std::move(detached), why, options);
    if (!createPrivateFile(path, why)) return nullptr;
    return store::SqliteStore::open(path, why, options);
  };
  return std::make_unique<store::ResilientStore>(std::move(sqlite), std::move(reopen), timers);
}

}  // namespace rtcgate::app
