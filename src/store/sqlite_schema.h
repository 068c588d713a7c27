// store/sqlite_schema.h: the metadata database's schema, as an ordered list of migrations.
//
// Migration i (0-based) takes the schema from version i to i+1; the version lives in
// PRAGMA user_version, and PRAGMA application_id marks the file as runnel's. Never edit a
// migration that has shipped: append a new one.
// Thread-safety: schema_migrations() is immutable; migrate() needs exclusive use of `db`.
#pragma once

#include <string>
#include <vector>

#include "store/sqlite_db.h"

namespace runnel::internal {

// "RUNL": marks a SQLite file as a runnel metadata database.
inline constexpr int kRunnelApplicationId = 0x52554E4C;

// The migrations this build knows; schema_migrations().size() is the current version.
const std::vector<std::string>& schema_migrations();

// Brings `db` to version migrations.size(), applying the missing migrations in order in
// one BEGIN IMMEDIATE transaction (so concurrent openers apply them once). Returns the
// resulting version. Throws Error(kCorruption) naming the path when the file belongs to
// another program or was written by a newer runnel (the message says to upgrade); a
// failing migration rolls back and leaves the file at its old version.
int migrate(SqliteDb& db, const std::vector<std::string>& migrations);

}  // namespace runnel::internal
