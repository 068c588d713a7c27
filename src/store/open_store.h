// store/open_store.h: opening the metadata store a workspace uses, by URL.
//
// SQLite (store/sqlite_store.h) is the embedded default; a postgresql:// URL selects the
// shared PostgreSQL store (store/pg_store.h). Kept apart from metadata_store.h, which
// every subsystem includes, so that the choice of backend is known only where a store is
// opened.
#pragma once

#include <memory>
#include <string>

#include "store/metadata_store.h"

namespace runnel {

// Connects to the PostgreSQL database at `url` (postgresql://...; libpq's syntax) and
// migrates its schema (store/pg_store.h).
std::unique_ptr<MetadataStore> open_pg_store(const std::string& url);

// The store a workspace uses: PostgreSQL when `db_url` is postgresql://... or
// postgres://..., the SQLite file at `sqlite_path` when it is "". Anything else is
// Error(kInvalidArgument) naming `where` (the flag, variable or config key it came from).
std::unique_ptr<MetadataStore> open_store(const std::string& db_url, const std::string& sqlite_path,
                                          const std::string& where);

// `url` with its password left out, safe to print.
std::string redact_db_url(const std::string& url);

}  // namespace runnel
