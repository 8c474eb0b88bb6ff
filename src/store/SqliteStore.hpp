#pragma once

#include <memory>
#include <string>
#include <utility>

#include "store/Store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace rtcgate::store {

// How SQLite commits (docs/store.md, "Durability"). In WAL mode both survive the process
// being killed: a commit is in the kernel's page cache when it returns. Only Full also survives
// a power cut or a kernel crash, at the price of an fsync of the WAL per commit.
enum class SqliteSync { Normal, Full };

struct SqliteOptions {
  SqliteSync sync = SqliteSync::Normal;
  // How long a write waits for another process's lock before failing with SQLITE_BUSY. The
  // gateway keeps it short (it runs on the signalling loop and queues what failed); the CLI
  // waits longer for a running gateway's write.
  int busyTimeoutMs = 1000;
};

// The embedded store: one SQLite file in WAL mode (readers never block the writer). The schema
// is created or migrated on open; statements are prepared once and reused.
class SqliteStore final : public Store {
 public:
  // Opens (creating when missing) the database at path; ":memory:" works for tests. On failure
  // returns nullptr and sets error to one line naming the file and the reason.
  static std::unique_ptr<SqliteStore> open(const std::string& path, std::string& error,
                                           const SqliteOptions& options = {});

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // The schema version this build writes (the value in schema_version after open).
  static int currentSchemaVersion();
  Result<int> schemaVersion();

  Status putSubscriber(const Subscriber& subscriber) override;
  Result<bool> deleteSubscriber(std::string_view user, std::string_view domain) override;
  Result<std::vector<Subscriber>> listSubscribers() override;
  Result<std::optional<Subscriber>> findSubscriber(std::string_view user,
                                                   std::string_view domain) override;

  Status saveBinding(const BindingRecord& binding) override;
  Status deleteBinding(std::string_view aor, std::string_view key) override;
  Status deleteBindings(std::string_view aor) override;
  Result<std::vector<BindingRecord>> loadBindings() override;
  Result<int> deleteExpired(std::int64_t now) override;
  Status saveCdr(const CdrRecord& cdr) override;
  Result<std::vector<CdrRecord>> recentCdrs(int limit) override;

  std::string location() const override { return path_; }
  std::string lastError() const override { return lastError_; }
  // The file at the path is gone or is another file than the one opened.
  bool detached() const override;

  // Reopens the database of a store whose file was removed: what the old connection can still
  // read (the removed file stays readable while it is open) is copied to a new file at the
  // path first, so subscribers, bindings and CDRs survive. When the path holds another file
  // (restored by an operator), that file is opened as it is.
  static std::unique_ptr<SqliteStore> reopen(std::unique_ptr<SqliteStore> old, std::string& error,
                                             const SqliteOptions& options);

 private:
  struct StatementDeleter {
    void operator()(sqlite3_stmt* statement) const;
  };
  using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;
  enum StatementId {
    kPutSubscriber,
    kDeleteSubscriber,
    kListSubscribers,
    kFindSubscriber,
    kSaveBinding,
    kDeleteBinding,
    kDeleteBindings,
    kLoadBindings,
    kDeleteExpired,
    kSchemaVersion,
    kSaveCdr,
    kRecentCdrs,
    kStatementCount
  };

  static std::string sqlFor(StatementId id);

  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  bool configure(const SqliteOptions& options, std::string& error);
  bool migrate(std::string& error);
  bool prepareAll(std::string& error);
  bool exec(const char* sql, std::string& error);
  // The cached statement, reset and with bindings cleared, ready to bind.
  sqlite3_stmt* statement(StatementId id);
  // Runs a statement that returns no rows; logs SQLite's message on failure.
  Status runToCompletion(sqlite3_stmt* statement, const char* what);
  // Keeps SQLite's message for lastError(); reads also log it.
  void noteFailure(const char* what);
  // Closes a store whose file moved, and removes the WAL and shared-memory files it leaves.
  static void closeDetached(std::unique_ptr<SqliteStore> old);
  // Copies the whole database to a new file at target (SQLite's online backup).
  bool copyTo(const std::string& target, std::string& error);

  sqlite3* db_;
  std::string path_;
  std::string lastError_;
  // The file opened (st_dev, st_ino), to notice it being removed or replaced; 0 for ":memory:".
  unsigned long long device_ = 0;
  unsigned long long inode_ = 0;
  Statement statements_[kStatementCount];
};

}  // namespace rtcgate::store
