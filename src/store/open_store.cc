// open_store(): picks the workspace's metadata store from its URL.
#include "store/open_store.h"

#include "runnel/error.h"
#include "store/pg_db.h"

namespace runnel {

std::string redact_db_url(const std::string& url) { return internal::redact_db_url(url); }

std::unique_ptr<MetadataStore> open_store(const std::string& db_url, const std::string& sqlite_path,
                                          const std::string& where) {
  if (db_url.empty()) return open_sqlite_store(sqlite_path);
  if (internal::is_postgres_url(db_url)) return open_pg_store(db_url);
  // Not echoed whole: it may hold a password.
  throw invalid_argument(where + ": unsupported metadata store URL (it starts with '" +
                         db_url.substr(0, db_url.find(':')) +
                         "'); use postgresql://user@host:port/database, or leave it unset for "
                         "the workspace's SQLite file");
}

}  // namespace runnel
