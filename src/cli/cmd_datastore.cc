// `runnel datastore list|upload|download|ls`: the workspace's datastores and their files.
// Transfers of more than 64 MiB show a progress bar on stderr when it is a terminal.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/cli.h"
#include "cli/table.h"
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

// Copies `from` to `to` (temp name, then rename) reporting bytes to `p`.
void copy_with_progress(const std::string& from, const std::string& to, Progress& p) {
  make_dirs(fs::path(to).parent_path().string());
  std::string tmp = to + ".part-" + std::to_string(::getpid());
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!in || !out) throw io_error("cannot copy " + from + " to " + to + ": cannot open one of them");
  std::vector<char> buf(4 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    out.write(buf.data(), in.gcount());
    p.tick(in.gcount());
  }
  out.close();
  if (!out) {
    fs::remove(tmp);
    throw io_error("cannot write " + to);
  }
  fs::rename(tmp, to);
}

// Copies a file or folder tree; returns the number of files.
size_t transfer(const std::string& from, const std::string& to) {
  std::vector<internal::MatchedFile> files;
  if (fs::is_directory(from)) {
    files = internal::match_datastore_files(from, ".", from);
  } else if (fs::is_regular_file(from)) {
    files.push_back({fs::path(from).filename().string(), from, static_cast<int64_t>(fs::file_size(from))});
  } else {
    throw not_found("nothing to copy at " + from);
  }
  Progress p;
  for (const auto& f : files) p.total += f.size;
  p.show = p.total >= kProgressMin && ::isatty(2);
  bool into_dir = fs::is_directory(from) || fs::is_directory(to) || (!to.empty() && to.back() == '/');
  for (const auto& f : files) copy_with_progress(f.abs, into_dir ? to + "/" + f.rel : to, p);
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
    size_t n = transfer(absolute_path(a->src), dest);
    std::cout << "Uploaded " << n << " file(s) to " << ds.name() << ":" << a->dest << "\n";
  });

  CLI::App* down = cmd->add_subcommand("download", "copy PATH on a datastore to a local file or folder");
  down->add_option("src", a->src, "path on the datastore")->required();
  down->add_option("dest", a->dest, "local destination")->required();
  down->add_option("--datastore", a->datastore, "datastore (default: the workspace's default)");
  down->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = a->datastore.empty() ? ws.get_default_datastore() : Datastore(ws, a->datastore);
    size_t n = transfer(ds.path(a->src), absolute_path(a->dest) + (a->dest.back() == '/' ? "/" : ""));
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
