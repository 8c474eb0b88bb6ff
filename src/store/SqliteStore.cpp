#include "store/SqliteStore.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstring>

#include "base/PrivateFiles.hpp"

namespace rtcgate::store {
namespace {

// Migration N (1-based) takes the schema from version N-1 to N. Append only: released databases
// are upgraded by running the steps they have not seen, in one transaction.
constexpr std::array<const char*, 2> kMigrations = {
    R"sql(
CREATE TABLE subscribers (
  user TEXT NOT NULL,
  domain TEXT NOT NULL,
  ha1_md5 TEXT NOT NULL,
  ha1_sha256 TEXT NOT NULL,
  PRIMARY KEY (user, domain)
) WITHOUT ROWID;
CREATE TABLE registrations (
  aor TEXT NOT NULL,
  binding_key TEXT NOT NULL,
  contact TEXT NOT NULL,
  q INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  registered_at INTEGER NOT NULL,
  call_id TEXT NOT NULL,
  cseq INTEGER NOT NULL,
  path TEXT NOT NULL,
  instance TEXT NOT NULL,
  reg_id INTEGER NOT NULL,
  user_agent TEXT NOT NULL,
  transport TEXT NOT NULL,
  source TEXT NOT NULL,
  local TEXT NOT NULL,
  connection_id INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  PRIMARY KEY (aor, binding_key)
);
CREATE INDEX registrations_expires_at ON registrations (expires_at);
)sql",
    R"sql(
CREATE TABLE cdrs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id TEXT NOT NULL,
  from_uri TEXT NOT NULL,
  to_uri TEXT NOT NULL,
  source_transport TEXT NOT NULL,
  destination_transport TEXT NOT NULL,
  start INTEGER NOT NULL,
  answer INTEGER NOT NULL,
  end INTEGER NOT NULL,
  duration INTEGER NOT NULL,
  end_reason TEXT NOT NULL,
  sip_code INTEGER NOT NULL,
  media TEXT NOT NULL
);
CREATE INDEX cdrs_start ON cdrs (start);
)sql",
};

constexpr const char* kCdrColumns =
    "call_id, from_uri, to_uri, source_transport, destination_transport, start, answer, end, "
    "duration, end_reason, sip_code, media";

constexpr const char* kRegistrationColumns =
    "aor, binding_key, contact, q, expires_at, registered_at, call_id, cseq, path, instance, "
    "reg_id, user_agent, transport, source, local, connection_id, flags";

void bindText(sqlite3_stmt* statement, int index, std::string_view text) {
  // SQLITE_TRANSIENT: the views often point into short-lived buffers.
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string columnText(sqlite3_stmt* statement, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return text ? std::string(text, sqlite3_column_bytes(statement, column)) : std::string();
}

Subscriber readSubscriber(sqlite3_stmt* statement) {
  return Subscriber{columnText(statement, 0), columnText(statement, 1), columnText(statement, 2),
                    columnText(statement, 3)};
}

BindingRecord readBinding(sqlite3_stmt* statement) {
  BindingRecord record;
  record.aor = columnText(statement, 0);
  record.key = columnText(statement, 1);
  record.contact = columnText(statement, 2);
  record.q = sqlite3_column_int(statement, 3);
  record.expiresAt = sqlite3_column_int64(statement, 4);
  record.registeredAt = sqlite3_column_int64(statement, 5);
  record.callId = columnText(statement, 6);
  record.cseq = static_cast<std::uint32_t>(sqlite3_column_int64(statement, 7));
  record.path = columnText(statement, 8);
  record.instance = columnText(statement, 9);
  record.regId = static_cast<std::uint32_t>(sqlite3_column_int64(statement, 10));
  record.userAgent = columnText(statement, 11);
  record.transport = columnText(statement, 12);
  record.source = columnText(statement, 13);
  record.local = columnText(statement, 14);
  record.connectionId = static_cast<std::uint64_t>(sqlite3_column_int64(statement, 15));
  record.flags = static_cast<std::uint32_t>(sqlite3_column_int64(statement, 16));
  return record;
}

}  // namespace

std::string SqliteStore::sqlFor(StatementId id) {
  switch (id) {
    case kPutSubscriber:
      return "INSERT OR REPLACE INTO subscribers (user, domain, ha1_md5, ha1_sha256) "
             "VALUES (?1, ?2, ?3, ?4)";
    case kDeleteSubscriber:
      return "DELETE FROM subscribers WHERE user = ?1 AND domain = ?2";
    case kListSubscribers:
      return "SELECT user, domain, ha1_md5, ha1_sha256 FROM subscribers ORDER BY domain, user";
    case kFindSubscriber:
      return "SELECT user, domain, ha1_md5, ha1_sha256 FROM subscribers "
             "WHERE user = ?1 AND domain = ?2";
    case kSaveBinding:
      return std::string("INSERT OR REPLACE INTO registrations (") + kRegistrationColumns +
             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
             "?17)";
    case kDeleteBinding:
      return "DELETE FROM registrations WHERE aor = ?1 AND binding_key = ?2";
    case kDeleteBindings:
      return "DELETE FROM registrations WHERE aor = ?1";
    case kLoadBindings:
      return std::string("SELECT ") + kRegistrationColumns + " FROM registrations";
    case kDeleteExpired:
      return "DELETE FROM registrations WHERE expires_at <= ?1";
    case kSchemaVersion:
      return "SELECT version FROM schema_version";
    case kSaveCdr:
      return std::string("INSERT INTO cdrs (") + kCdrColumns +
             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    case kRecentCdrs:
      return std::string("SELECT id, ") + kCdrColumns + " FROM cdrs ORDER BY id DESC LIMIT ?1";
    case kStatementCount:
      break;
  }
  return "";
}

void SqliteStore::StatementDeleter::operator()(sqlite3_stmt* statement) const {
  sqlite3_finalize(statement);
}

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& path, std::string& error,
                                               const SqliteOptions& options) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    error = "cannot open store '" + path + "': " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return nullptr;
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  struct stat file {};
  if (path != ":memory:" && ::stat(path.c_str(), &file) == 0) {
    store->device_ = file.st_dev;
    store->inode_ = file.st_ino;
  }
  std::string reason;
  if (!store->configure(options, reason) || !store->migrate(reason) || !store->prepareAll(reason)) {
    error = "cannot open store '" + path + "': " + reason;
    return nullptr;
  }
  return store;
}

SqliteStore::~SqliteStore() {
  for (auto& statement : statements_) statement.reset();
  sqlite3_close(db_);
}

int SqliteStore::currentSchemaVersion() { return static_cast<int>(kMigrations.size()); }

bool SqliteStore::exec(const char* sql, std::string& error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
  error = message ? message : sqlite3_errmsg(db_);
  sqlite3_free(message);
  return false;
}

bool SqliteStore::configure(const SqliteOptions& options, std::string& error) {
  // Another process (`rtcgate user add`) may hold the write lock for a moment.
  sqlite3_busy_timeout(db_, options.busyTimeoutMs);
  return exec(options.sync == SqliteSync::Full
                  ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                  : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
              error);
}

bool SqliteStore::migrate(std::string& error) {
  if (!exec("BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT "
            "NULL);",
            error)) {
    return false;
  }
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db_, sqlFor(kSchemaVersion).c_str(), -1, &raw, nullptr);
  Statement query(raw);
  int version = 0;
  bool hasRow = false;
  if (query && sqlite3_step(query.get()) == SQLITE_ROW) {
    version = sqlite3_column_int(query.get(), 0);
    hasRow = true;
  }
  query.reset();
  std::string ignored;
  if (version > currentSchemaVersion()) {
    exec("ROLLBACK", ignored);
    error = "schema version " + std::to_string(version) + " is newer than this build supports (" +
            std::to_string(currentSchemaVersion()) + ")";
    return false;
  }
  for (int step = version; step < currentSchemaVersion(); ++step) {
    if (!exec(kMigrations[step], error)) {
      exec("ROLLBACK", ignored);
      error = "schema migration to version " + std::to_string(step + 1) + " failed: " + error;
      return false;
    }
  }
  const std::string record =
      (hasRow ? "UPDATE schema_version SET version = " : "INSERT INTO schema_version VALUES (") +
      std::to_string(currentSchemaVersion()) + (hasRow ? ";" : ");");
  if (!exec(record.c_str(), error) || !exec("COMMIT", error)) {
    exec("ROLLBACK", ignored);
    return false;
  }
  return true;
}

bool SqliteStore::prepareAll(std::string& error) {
  for (int id = 0; id < kStatementCount; ++id) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db_, sqlFor(static_cast<StatementId>(id)).c_str(), -1,
                           SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
      error = sqlite3_errmsg(db_);
      return false;
    }
    statements_[id].reset(raw);
  }
  return true;
}

sqlite3_stmt* SqliteStore::statement(StatementId id) {
  sqlite3_stmt* statement = statements_[id].get();
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  return statement;
}

void SqliteStore::noteFailure(const char* what) {
  lastError_ = std::string(what) + ": " + sqlite3_errmsg(db_);
}

bool SqliteStore::detached() const {
  if (inode_ == 0) return false;
  struct stat file {};
  if (::stat(path_.c_str(), &file) != 0) return true;
  return file.st_dev != device_ || file.st_ino != inode_;
}

bool SqliteStore::copyTo(const std::string& target, std::string& error) {
  sqlite3* copy = nullptr;
  if (sqlite3_open_v2(target.c_str(), &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    error = copy ? sqlite3_errmsg(copy) : "out of memory";
    sqlite3_close(copy);
    return false;
  }
  sqlite3_backup* backup = sqlite3_backup_init(copy, "main", db_, "main");
  int rc = backup ? sqlite3_backup_step(backup, -1) : SQLITE_ERROR;
  if (backup) sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) error = sqlite3_errmsg(copy);
  sqlite3_close(copy);
  return rc == SQLITE_DONE;
}

namespace {

// The inode of a file, 0 when there is none.
ino_t inodeOf(const std::string& path) {
  struct stat file {};
  return ::stat(path.c_str(), &file) == 0 ? file.st_ino : 0;
}

}  // namespace

void SqliteStore::closeDetached(std::unique_ptr<SqliteStore> old) {
  // SQLite does not checkpoint nor delete the WAL of a database file that moved: the old file's
  // WAL and shared memory would stay at the path and be replayed into the new file there.
  const std::string wal = old->path_ + "-wal";
  const std::string shm = old->path_ + "-shm";
  const ino_t walInode = inodeOf(wal);
  const ino_t shmInode = inodeOf(shm);
  old.reset();
  if (walInode != 0 && inodeOf(wal) == walInode) std::remove(wal.c_str());
  if (shmInode != 0 && inodeOf(shm) == shmInode) std::remove(shm.c_str());
}

std::unique_ptr<SqliteStore> SqliteStore::reopen(std::unique_ptr<SqliteStore> old,
                                                 std::string& error, const SqliteOptions& options) {
  const std::string path = old->path_;
  if (inodeOf(path) == 0) {
    // Salvaged into a side file (private before SQLite writes a byte of it: password hashes),
    // moved in once the old connection and its WAL are gone.
    const std::string salvage = path + ".salvage";
    std::string why;
    std::remove(salvage.c_str());
    const bool salvaged = createPrivateFile(salvage, why) && old->copyTo(salvage, why);
    closeDetached(std::move(old));
    if (salvaged) {
      std::rename(salvage.c_str(), path.c_str());
    } else {
      spdlog::error("store: could not salvage the removed {}: {}; starting an empty one", path,
                    why);
      std::remove(salvage.c_str());
    }
  } else {
    closeDetached(std::move(old));
  }
  if (!createPrivateFile(path, error)) return nullptr;
  return open(path, error, options);
}

Status SqliteStore::runToCompletion(sqlite3_stmt* statement, const char* what) {
  const int rc = sqlite3_step(statement);
  sqlite3_reset(statement);
  if (rc != SQLITE_DONE) {
    noteFailure(what);
    return Error{"store write failed"};
  }
  return ok();
}

Result<int> SqliteStore::schemaVersion() {
  sqlite3_stmt* query = statement(kSchemaVersion);
  const int rc = sqlite3_step(query);
  const int version = rc == SQLITE_ROW ? sqlite3_column_int(query, 0) : 0;
  sqlite3_reset(query);
  if (rc != SQLITE_ROW) return Error{"store read failed"};
  return version;
}

Status SqliteStore::putSubscriber(const Subscriber& subscriber) {
  sqlite3_stmt* insert = statement(kPutSubscriber);
  bindText(insert, 1, subscriber.user);
  bindText(insert, 2, subscriber.domain);
  bindText(insert, 3, subscriber.ha1Md5);
  bindText(insert, 4, subscriber.ha1Sha256);
  return runToCompletion(insert, "putSubscriber");
}

Result<bool> SqliteStore::deleteSubscriber(std::string_view user, std::string_view domain) {
  sqlite3_stmt* remove = statement(kDeleteSubscriber);
  bindText(remove, 1, user);
  bindText(remove, 2, domain);
  if (auto status = runToCompletion(remove, "deleteSubscriber"); !status) {
    return Error{status.error()};
  }
  return sqlite3_changes(db_) > 0;
}

Result<std::vector<Subscriber>> SqliteStore::listSubscribers() {
  sqlite3_stmt* query = statement(kListSubscribers);
  std::vector<Subscriber> subscribers;
  int rc;
  while ((rc = sqlite3_step(query)) == SQLITE_ROW) subscribers.push_back(readSubscriber(query));
  sqlite3_reset(query);
  if (rc != SQLITE_DONE) {
    noteFailure("listSubscribers");
    return Error{"store read failed"};
  }
  return subscribers;
}

Result<std::optional<Subscriber>> SqliteStore::findSubscriber(std::string_view user,
                                                              std::string_view domain) {
  sqlite3_stmt* query = statement(kFindSubscriber);
  bindText(query, 1, user);
  bindText(query, 2, domain);
  std::optional<Subscriber> found;
  const int rc = sqlite3_step(query);
  if (rc == SQLITE_ROW) found = readSubscriber(query);
  sqlite3_reset(query);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    noteFailure("findSubscriber");
    return Error{"store read failed"};
  }
  return found;
}

Status SqliteStore::saveBinding(const BindingRecord& binding) {
  sqlite3_stmt* insert = statement(kSaveBinding);
  bindText(insert, 1, binding.aor);
  bindText(insert, 2, binding.key);
  bindText(insert, 3, binding.contact);
  sqlite3_bind_int(insert, 4, binding.q);
  sqlite3_bind_int64(insert, 5, binding.expiresAt);
  sqlite3_bind_int64(insert, 6, binding.registeredAt);
  bindText(insert, 7, binding.callId);
  sqlite3_bind_int64(insert, 8, binding.cseq);
  bindText(insert, 9, binding.path);
  bindText(insert, 10, binding.instance);
  sqlite3_bind_int64(insert, 11, binding.regId);
  bindText(insert, 12, binding.userAgent);
  bindText(insert, 13, binding.transport);
  bindText(insert, 14, binding.source);
  bindText(insert, 15, binding.local);
  sqlite3_bind_int64(insert, 16, static_cast<sqlite3_int64>(binding.connectionId));
  sqlite3_bind_int64(insert, 17, binding.flags);
  return runToCompletion(insert, "saveBinding");
}

Status SqliteStore::deleteBinding(std::string_view aor, std::string_view key) {
  sqlite3_stmt* remove = statement(kDeleteBinding);
  bindText(remove, 1, aor);
  bindText(remove, 2, key);
  return runToCompletion(remove, "deleteBinding");
}

Status SqliteStore::deleteBindings(std::string_view aor) {
  sqlite3_stmt* remove = statement(kDeleteBindings);
  bindText(remove, 1, aor);
  return runToCompletion(remove, "deleteBindings");
}

Result<std::vector<BindingRecord>> SqliteStore::loadBindings() {
  sqlite3_stmt* query = statement(kLoadBindings);
  std::vector<BindingRecord> bindings;
  int rc;
  while ((rc = sqlite3_step(query)) == SQLITE_ROW) bindings.push_back(readBinding(query));
  sqlite3_reset(query);
  if (rc != SQLITE_DONE) {
    noteFailure("loadBindings");
    return Error{"store read failed"};
  }
  return bindings;
}

Result<int> SqliteStore::deleteExpired(std::int64_t now) {
  sqlite3_stmt* remove = statement(kDeleteExpired);
  sqlite3_bind_int64(remove, 1, now);
  if (auto status = runToCompletion(remove, "deleteExpired"); !status) {
    return Error{status.error()};
  }
  return sqlite3_changes(db_);
}

Status SqliteStore::saveCdr(const CdrRecord& cdr) {
  sqlite3_stmt* insert = statement(kSaveCdr);
  bindText(insert, 1, cdr.callId);
  bindText(insert, 2, cdr.from);
  bindText(insert, 3, cdr.to);
  bindText(insert, 4, cdr.sourceTransport);
  bindText(insert, 5, cdr.destinationTransport);
  sqlite3_bind_int64(insert, 6, cdr.start);
  sqlite3_bind_int64(insert, 7, cdr.answer);
  sqlite3_bind_int64(insert, 8, cdr.end);
  sqlite3_bind_int64(insert, 9, cdr.duration);
  bindText(insert, 10, cdr.endReason);
  sqlite3_bind_int(insert, 11, cdr.sipCode);
  bindText(insert, 12, cdr.mediaJson);
  return runToCompletion(insert, "saveCdr");
}

Result<std::vector<CdrRecord>> SqliteStore::recentCdrs(int limit) {
  sqlite3_stmt* query = statement(kRecentCdrs);
  sqlite3_bind_int(query, 1, limit);
  std::vector<CdrRecord> records;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(query)) == SQLITE_ROW) {
    CdrRecord cdr;
    cdr.id = sqlite3_column_int64(query, 0);
    cdr.callId = columnText(query, 1);
    cdr.from = columnText(query, 2);
    cdr.to = columnText(query, 3);
    cdr.sourceTransport = columnText(query, 4);
    cdr.destinationTransport = columnText(query, 5);
    cdr.start = sqlite3_column_int64(query, 6);
    cdr.answer = sqlite3_column_int64(query, 7);
    cdr.end = sqlite3_column_int64(query, 8);
    cdr.duration = sqlite3_column_int64(query, 9);
    cdr.endReason = columnText(query, 10);
    cdr.sipCode = sqlite3_column_int(query, 11);
    cdr.mediaJson = columnText(query, 12);
    records.push_back(std::move(cdr));
  }
  if (rc != SQLITE_DONE) {
    noteFailure("recentCdrs");
    return Error{"store query failed"};
  }
  return records;
}

}  // namespace rtcgate::store
