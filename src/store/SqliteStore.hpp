#pragma once

#include <memory>
#include <string>

#include "store/Store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace rtcgate::store {

// The embedded store: one SQLite file in WAL mode (readers never block the writer, and
// synchronous=NORMAL makes a commit one write without fsync while staying crash-consistent).
// The schema is created or migrated on open; statements are prepared once and reused.
class SqliteStore final : public Store {
 public:
  // Opens (creating when missing) the database at path; ":memory:" works for tests. On failure
  // returns nullptr and sets error to one line naming the file and the reason.
  static std::unique_ptr<SqliteStore> open(const std::string& path, std::string& error);

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

  explicit SqliteStore(sqlite3* db) : db_(db) {}
  bool configure(std::string& error);
  bool migrate(std::string& error);
  bool prepareAll(std::string& error);
  bool exec(const char* sql, std::string& error);
  // The cached statement, reset and with bindings cleared, ready to bind.
  sqlite3_stmt* statement(StatementId id);
  // Runs a statement that returns no rows; logs SQLite's message on failure.
  Status runToCompletion(sqlite3_stmt* statement, const char* what);
  void logFailure(const char* what) const;

  sqlite3* db_;
  Statement statements_[kStatementCount];
};

}  // namespace rtcgate::store
