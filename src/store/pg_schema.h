// store/pg_schema.h: the PostgreSQL schema as an ordered list of migrations, and the code
// that applies the missing ones when a store opens.
//
// The same tables and meaning as the SQLite schema (store/sqlite_schema.cc), in
// PostgreSQL's types: times are BIGINT milliseconds, ids are TEXT in the "C" collation
// (so that a unique-prefix lookup is a range scan of the primary key, as in SQLite), and
// `seq` identity columns keep insertion order where SQLite uses its rowid. The version is
// in the table runnel_meta (key 'schema_version'), with key 'application' = 'runnel' to
// tell a runnel database from another program's. Migrations run in one transaction under
// an advisory lock, so several processes opening a new database at once apply each once,
// and a failed migration leaves the previous version (PostgreSQL's DDL is transactional).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/pg_db.h"

namespace runnel::internal {

const std::vector<std::string>& pg_schema_migrations();

// Creates or migrates the schema; returns the version now in force. Throws
// Error(kCorruption) if the database holds another program's tables or was written by a
// newer runnel.
int pg_migrate(PgDb& db, const std::vector<std::string>& migrations);

}  // namespace runnel::internal
