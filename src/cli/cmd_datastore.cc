// `runnel datastore list|upload|download|ls`: the workspace's datastores and their files.
// Transfers of more than 64 MiB show a progress bar on stderr when it is a terminal.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/confine.h"
#include "core/fs.h"
#include "data/file_match.h"
#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel::cli {

namespace {

constexpr int64_t kProgressMin = 64LL << 20;

struct Progress {
  int64_t total = 0, done = 0;
  bool show = false;
  void tick(int64_t n) {
    done += n;
    if (!show) return;
    int pct = total ? static_cast<int>(done * 100 / total) : 100;
    std::string bar(static_cast<size_t>(pct / 4), '#');
    bar.resize(25, ' ');
    std::fprintf(stderr, "\r[%s] %3d%%  %lld/%lld MiB", bar.c_str(), pct, static_cast<long long>(done >> 20),
                 static_cast<long long>(total >> 20));
    if (done >= total) std::fprintf(stderr, "\n");
  }
};

// One side of a copy: a local path, or a path on a datastore (`root` set), where every
// open is resolved beneath the root (core/confine.h): a symlink leaving the datastore is
// neither read nor written through.
struct Side {
  std::string root;  // "" for a local path
  std::string what;  // "datastore <name>"
  std::string rel(const std::string& abs) const {
    return abs == root ? "" : abs.substr(root.size() + 1);  // abs is root-prefixed (Datastore::path)
  }
};

UniqueFd open_source(const Side& side, const std::string& path) {
  if (!side.root.empty()) return open_beneath(side.root, side.rel(path), O_RDONLY, side.what);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error("cannot read " + path + ": " + std::strerror(errno));
  return UniqueFd(fd);
}

// Copies `from` to `to` (a temp name in the destination folder, then a rename inside that
// folder, so an existing symlink at `to` is replaced, not written through), reporting bytes.
void copy_with_progress(const Side& src, const std::string& from, const Side& dst, const std::string& to,
                        Progress& p) {
  UniqueFd in = open_source(src, from);
  fs::path to_path(to);
  UniqueFd dir;
  if (dst.root.empty()) {
    make_dirs(to_path.parent_path().string());
    dir = UniqueFd(::open(to_path.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) throw io_error("cannot open folder " + to_path.parent_path().string() + ": " + std::strerror(errno));
  } else {
    dir = open_dir_beneath(dst.root, dst.rel(to_path.parent_path().string()), true, dst.what);
  }
  std::string name = to_path.filename().string();
  std::string tmp = name + ".part-" + std::to_string(::getpid());
  UniqueFd out(::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (out.get() < 0) throw io_error("cannot write " + to + ": " + std::strerror(errno));
  std::vector<char> buf(4 << 20);
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("cannot read " + from + ": " + std::strerror(errno));
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out.get(), buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        std::string e = std::strerror(errno);
        ::unlinkat(dir.get(), tmp.c_str(), 0);
        throw io_error("cannot write " + to + ": " + e);
      }
      off += w;
    }
    p.tick(n);
  }
  if (::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
    std::string e = std::strerror(errno);
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    throw io_error("cannot write " + to + ": " + e);
  }
}

// Copies a file or folder tree; returns the number of files. A folder on a datastore is
// listed with match_datastore_files, which refuses files reached through links leaving it.
size_t transfer(const Side& src, const std::string& from, const Side& dst, const std::string& to) {
  std::vector<internal::MatchedFile> files;
  if (fs::is_directory(from)) {
    files = src.root.empty() ? internal::match_datastore_files(from, ".", from)
                             : internal::match_datastore_files(src.root, src.rel(from).empty() ? "." : src.rel(from),
                                                               src.what);
    if (!src.root.empty()) {
      std::string prefix = src.rel(from);
      for (auto& f : files)
        if (!prefix.empty()) f.rel = f.rel.substr(prefix.size() + 1);
    }
  } else if (fs::is_regular_file(from)) {
    files.push_back({fs::path(from).filename().string(), from, static_cast<int64_t>(fs::file_size(from))});
  } else {
    throw not_found("nothing to copy at " + from);
  }
  Progress p;
  for (const auto& f : files) p.total += f.size;
  p.show = p.total >= kProgressMin && ::isatty(2);
  bool into_dir = fs::is_directory(from) || fs::is_directory(to) || (!to.empty() && to.back() == '/');
  std::string to_base = to;
  while (to_base.size() > 1 && to_base.back() == '/') to_base.pop_back();
  for (const auto& f : files) copy_with_progress(src, f.abs, dst, into_dir ? to_base + "/" + f.rel : to_base, p);
  return files.size();
}

}  // namespace

void register_datastore(CLI::App& app, CliGlobals& g) {
  CLI::App* cmd = app.add_subcommand("datastore", "datastores: where data lives (list, upload, download, ls)");
  cmd->require_subcommand(1);
  struct Args {
    std::string src, dest, path, datastore;
  };
  auto a = std::make_shared<Args>();

  CLI::App* list = cmd->add_subcommand("list", "registered datastores");
  list->callback([&g] {
    Workspace ws = open_workspace(g);
    std::string def = ws.get_default_datastore().name();
    Table t({"NAME", "TYPE", "DEFAULT", "ROOT"});
    for (const auto& [name, ds] : ws.datastores()) t.add({name, ds.type(), name == def ? "*" : "", ds.root()});
    t.print();
  });

  CLI::App* up = cmd->add_subcommand("upload", "copy a local file or folder to PATH on a datastore");
  up->add_option("src", a->src, "local file or folder")->required();
  up->add_option("dest", a->dest, "path on the datastore (a folder when SRC is a folder)")->required();
  up->add_option("--datastore", a->datastore, "datastore (default: the workspace's default)");
  up->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = a->datastore.empty() ? ws.get_default_datastore() : Datastore(ws, a->datastore);
    std::string dest = ds.path(a->dest) + (a->dest.size() && a->dest.back() == '/' ? "/" : "");
    size_t n = transfer(Side{}, absolute_path(a->src), Side{ds.root(), "datastore " + ds.name()}, dest);
    std::cout << "Uploaded " << n << " file(s) to " << ds.name() << ":" << a->dest << "\n";
  });

  CLI::App* down = cmd->add_subcommand("download", "copy PATH on a datastore to a local file or folder");
  down->add_option("src", a->src, "path on the datastore")->required();
  down->add_option("dest", a->dest, "local destination")->required();
  down->add_option("--datastore", a->datastore, "datastore (default: the workspace's default)");
  down->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = a->datastore.empty() ? ws.get_default_datastore() : Datastore(ws, a->datastore);
    size_t n = transfer(Side{ds.root(), "datastore " + ds.name()}, ds.path(a->src), Side{},
                        absolute_path(a->dest) + (a->dest.back() == '/' ? "/" : ""));
    std::cout << "Downloaded " << n << " file(s) from " << ds.name() << ":" << a->src << "\n";
  });

  CLI::App* ls = cmd->add_subcommand("ls", "list files under PATH (or matching a glob) on a datastore");
  ls->add_option("path", a->path, "path or glob on the datastore (default: everything)");
  ls->add_option("--datastore", a->datastore, "datastore (default: the workspace's default)");
  ls->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = a->datastore.empty() ? ws.get_default_datastore() : Datastore(ws, a->datastore);
    std::string pattern = a->path.empty() ? "." : a->path;
    Table t({"SIZE", "PATH"});
    for (const auto& f : internal::match_datastore_files(ds.root(), pattern, ds.name()))
      t.add({std::to_string(f.size), f.rel});
    t.print();
  });
}

}  // namespace runnel::cli
