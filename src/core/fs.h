// core/fs.h: small filesystem helpers with runnel errors (paths in every message).
// Thread-safe (no shared state).
#pragma once

#include <string>

namespace runnel {

// Reads a whole file. Throws Error(kNotFound) / Error(kIo) naming the path.
std::string read_file(const std::string& path);

// Writes `data` to `path` atomically: a temp file in the same folder, fsync'd when
// `durable`, then renamed over `path`. Throws Error(kIo) naming the path.
void write_file_atomic(const std::string& path, const std::string& data, bool durable = false);

// Appends `line` (a '\n' is added) with O_APPEND so concurrent writers do not interleave.
void append_line(const std::string& path, const std::string& line);

// Creates `path` and its parents. Throws Error(kIo).
void make_dirs(const std::string& path);

// Removes `path` recursively if it exists (no error when absent). Throws Error(kIo).
void remove_all(const std::string& path);

// Copies a folder tree (files, symlinks, modes). Uses hard links when `link` is true.
void copy_tree(const std::string& from, const std::string& to, bool link = false);

// Absolute, lexically normalized form of `path` relative to `base` (cwd when "").
std::string absolute_path(const std::string& path, const std::string& base = "");

bool path_exists(const std::string& path);
bool is_directory(const std::string& path);

}  // namespace runnel
