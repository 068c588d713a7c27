// `runnel datastore list|show|register|create|delete|upload|download|ls|rm|copy`: the
// workspace's datastores (local folders, Azure Blob containers, S3 buckets) and their files.
// Transfers of more than 64 MiB show a progress bar on stderr when it is a terminal.
// Credentials are taken from flags or environment variables and never printed.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/confine.h"
#include "core/fs.h"
#include "data/file_match.h"
#include "objstore/ops.h"
#include "objstore/remote.h"
#include "objstore/stores.h"
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
    std::fprintf(stderr, "\r[%s] %3d%%  %lld/%lld MiB", bar.c_str(), pct,
                 static_cast<long long>(done >> 20), static_cast<long long>(total >> 20));
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
    return abs == root ? ""
                       : abs.substr(root.size() + 1);  // abs is root-prefixed (Datastore::path)
  }
};

// `runnel datastore rm` on a local datastore: the file or folder at `rel`, refused when the
// path leaves the datastore or passes through a symlink (nothing outside it is removed).
size_t remove_local(const Datastore& ds, const std::string& rel) {
  std::string abs = ds.path(rel);  // throws on `..` and absolute paths
  if (abs == ds.root())
    throw invalid_argument("datastore '" + ds.name() +
                           "': refusing to remove the whole datastore; name a path in it");
  fs::path p = ds.root();
  for (const auto& part : fs::path(abs.substr(ds.root().size() + 1))) {
    p /= part;
    std::error_code ec;
    auto st = fs::symlink_status(p, ec);
    if (ec || st.type() == fs::file_type::not_found)
      throw not_found("datastore '" + ds.name() + "' has nothing at '" + rel +
                      "'; check the path (runnel datastore ls --datastore " + ds.name() + ")");
    if (st.type() == fs::file_type::symlink && p != fs::path(abs))
      throw invalid_argument("datastore '" + ds.name() + "': '" + rel +
                             "' passes through a symlink; remove it by hand");
  }
  size_t n = 0;
  if (fs::is_directory(fs::symlink_status(abs))) {
    for (const auto& e : fs::recursive_directory_iterator(abs))
      if (!e.is_directory()) ++n;
  } else {
    n = 1;
  }
  remove_all(abs);
  return n;
}

UniqueFd open_source(const Side& side, const std::string& path) {
  if (!side.root.empty()) return open_beneath(side.root, side.rel(path), O_RDONLY, side.what);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error("cannot read " + path + ": " + std::strerror(errno));
  return UniqueFd(fd);
}

// Copies `from` to `to` (a temp name in the destination folder, then a rename inside that
// folder, so an existing symlink at `to` is replaced, not written through), reporting bytes.
void copy_with_progress(const Side& src, const std::string& from, const Side& dst,
                        const std::string& to, Progress& p) {
  UniqueFd in = open_source(src, from);
  fs::path to_path(to);
  UniqueFd dir;
  if (dst.root.empty()) {
    make_dirs(to_path.parent_path().string());
    dir = UniqueFd(::open(to_path.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0)
      throw io_error("cannot open folder " + to_path.parent_path().string() + ": " +
                     std::strerror(errno));
  } else {
    dir = open_dir_beneath(dst.root, dst.rel(to_path.parent_path().string()), true, dst.what);
  }
  std::string name = to_path.filename().string();
  std::string tmp = name + ".part-" + std::to_string(::getpid());
  UniqueFd out(::openat(dir.get(), tmp.c_str(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
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
                             : internal::match_datastore_files(
                                   src.root, src.rel(from).empty() ? "." : src.rel(from), src.what);
    if (!src.root.empty()) {
      std::string prefix = src.rel(from);
      for (auto& f : files)
        if (!prefix.empty()) f.rel = f.rel.substr(prefix.size() + 1);
    }
  } else if (fs::is_regular_file(from)) {
    files.push_back(
        {fs::path(from).filename().string(), from, static_cast<int64_t>(fs::file_size(from))});
  } else {
    throw not_found("nothing to copy at " + from);
  }
  Progress p;
  for (const auto& f : files) p.total += f.size;
  p.show = p.total >= kProgressMin && ::isatty(2);
  bool into_dir =
      fs::is_directory(from) || fs::is_directory(to) || (!to.empty() && to.back() == '/');
  std::string to_base = to;
  while (to_base.size() > 1 && to_base.back() == '/') to_base.pop_back();
  for (const auto& f : files)
    copy_with_progress(src, f.abs, dst, into_dir ? to_base + "/" + f.rel : to_base, p);
  return files.size();
}

const objstore::GlobMatch kGlob = [](const std::string& p, const std::string& k) {
  return internal::glob_match(p, k);
};

std::string env_or(const std::string& value, const char* env) {
  if (!value.empty()) return value;
  const char* e = std::getenv(env);
  return e ? e : "";
}

// Where a remote datastore lives, for list/show (no credentials).
std::string location(const Datastore& ds) {
  if (!ds.is_remote()) return ds.root();
  auto j = nlohmann::json::parse(ds.describe_json());
  if (ds.type() == "s3")
    return "s3://" + j.value("bucket", "") + "/" + j.value("prefix", "") +
           (j.value("endpoint_url", "").empty() ? "" : " (" + j.value("endpoint_url", "") + ")");
  objstore::AzureConfig c;
  c.account_name = j.value("account_name", "");
  c.protocol = j.value("protocol", "https");
  c.endpoint = j.value("endpoint", "");
  return c.account_url() + "/" + j.value("container_name", "");
}

void print_count(const char* verb, const objstore::TransferCount& c, const std::string& where) {
  std::cout << verb << " " << c.files << " file(s)"
            << (c.skipped ? ", " + std::to_string(c.skipped) + " unchanged" : "") << " " << where
            << "\n";
}

// "DATASTORE:PATH" (PATH may be empty).
std::pair<std::string, std::string> split_ref(const std::string& ref) {
  auto colon = ref.find(':');
  if (colon == std::string::npos)
    throw invalid_argument("'" + ref +
                           "' is not DATASTORE:PATH (e.g. workspaceblobstore:raw/ or mys3:data)");
  return {ref.substr(0, colon), ref.substr(colon + 1)};
}

}  // namespace

void register_datastore(CLI::App& app, CliGlobals& g) {
  CLI::App* cmd = app.add_subcommand("datastore",
                                     "datastores: where data lives (list, show, register, create, "
                                     "delete, upload, download, ls, copy)");
  cmd->require_subcommand(1);
  struct Args {
    std::string src, dest, path, datastore, file;
    std::string name, type, account_name, container, account_key, sas_token, protocol, endpoint;
    std::string bucket, prefix, endpoint_url, region, access_key_id, secret_access_key;
    bool overwrite = false, create = false, skip_validation = false;
  };
  auto a = std::make_shared<Args>();

  CLI::App* list = cmd->add_subcommand("list", "registered datastores");
  list->callback([&g] {
    Workspace ws = open_workspace(g);
    std::string def = ws.get_default_datastore().name();
    Table t({"NAME", "TYPE", "DEFAULT", "WHERE"});
    for (const auto& [name, ds] : ws.datastores())
      t.add({name, ds.type(), name == def ? "*" : "", location(ds)});
    t.print();
  });

  CLI::App* show =
      cmd->add_subcommand("show", "a datastore's settings (credentials are never shown)");
  show->add_option("name", a->name, "datastore")->required();
  show->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds(ws, a->name);
    auto j = nlohmann::json::parse(ds.describe_json());
    if (ds.is_remote()) {
      std::string creds = objstore::credentials_path(ws, ds.name());
      j["credentials"] = path_exists(creds)
                             ? "stored in " + creds + " (mode 0600, not shown)"
                             : std::string("none stored (AWS environment or ~/.aws/credentials)");
    }
    std::cout << j.dump(2) << "\n";
  });

  CLI::App* reg = cmd->add_subcommand(
      "register", "register an Azure Blob container or an S3 bucket as a datastore");
  reg->add_option("name", a->name, "datastore name (letters, digits, _)")->required();
  reg->add_option("--type", a->type, "azure_blob or s3")
      ->required()
      ->check(CLI::IsMember({"azure_blob", "s3"}));
  reg->add_option("--account-name", a->account_name, "azure_blob: storage account");
  reg->add_option("--container", a->container, "azure_blob: container name");
  reg->add_option("--account-key", a->account_key,
                  "azure_blob: account key (or $AZURE_STORAGE_KEY)");
  reg->add_option("--sas-token", a->sas_token,
                  "azure_blob: SAS token (or $AZURE_STORAGE_SAS_TOKEN)");
  reg->add_option("--protocol", a->protocol, "azure_blob: https (default) or http");
  reg->add_option("--endpoint", a->endpoint,
                  "azure_blob: core.windows.net (default), host:port, or account URL");
  reg->add_option("--bucket", a->bucket, "s3: bucket");
  reg->add_option("--prefix", a->prefix, "s3: key prefix of the datastore");
  reg->add_option("--endpoint-url", a->endpoint_url, "s3: server URL (default AWS)");
  reg->add_option("--region", a->region, "s3: region (default us-east-1)");
  reg->add_option("--access-key-id", a->access_key_id,
                  "s3: access key (or $AWS_ACCESS_KEY_ID at use)");
  reg->add_option("--secret-access-key", a->secret_access_key,
                  "s3: secret (or $AWS_SECRET_ACCESS_KEY at use)");
  reg->add_flag("--overwrite", a->overwrite, "replace a datastore of the same name");
  reg->add_flag("--create", a->create, "create the container/bucket if it does not exist");
  reg->add_flag("--skip-validation", a->skip_validation, "do not check the container/bucket now");
  reg->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = [&] {
      if (a->type == "azure_blob") {
        std::string key = a->sas_token.empty() ? env_or(a->account_key, "AZURE_STORAGE_KEY") : "";
        std::string sas = key.empty() ? env_or(a->sas_token, "AZURE_STORAGE_SAS_TOKEN") : "";
        return Datastore::register_azure_blob_container(
            ws, a->name, a->container, a->account_name, sas, key, a->protocol, a->endpoint,
            a->overwrite, a->create, a->skip_validation);
      }
      Datastore::S3Options o;
      o.bucket = a->bucket;
      o.prefix = a->prefix;
      o.endpoint_url = a->endpoint_url;
      o.region = a->region;
      o.access_key_id = a->access_key_id;
      o.secret_access_key = a->secret_access_key;
      o.overwrite = a->overwrite;
      o.create_if_not_exists = a->create;
      o.skip_validation = a->skip_validation;
      return Datastore::register_s3_bucket(ws, a->name, o);
    }();
    std::cout << "Registered datastore " << ds.name() << " (" << ds.type() << ", " << location(ds)
              << ")\n";
  });

  CLI::App* create =
      cmd->add_subcommand("create", "register a datastore from an Azure ML v2 datastore YAML");
  create->add_option("-f,--file", a->file, "datastore YAML (type: azure_blob | s3)")->required();
  create->add_flag("--overwrite", a->overwrite, "replace a datastore of the same name");
  create->add_flag("--create", a->create, "create the container/bucket if it does not exist");
  create->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = Datastore::create_from_yaml(ws, absolute_path(a->file), a->overwrite, a->create);
    std::cout << "Registered datastore " << ds.name() << " (" << ds.type() << ", " << location(ds)
              << ")\n";
  });

  CLI::App* del =
      cmd->add_subcommand("delete", "unregister a datastore (its data is left where it is)");
  del->add_option("name", a->name, "datastore")->required();
  del->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore::unregister(ws, a->name);
    std::cout << "Unregistered datastore " << a->name << "\n";
  });

  CLI::App* copy =
      cmd->add_subcommand("copy", "copy between datastores, skipping files already there");
  copy->add_option("src", a->src, "DATASTORE:PATH")->required();
  copy->add_option("dest", a->dest, "DATASTORE:PATH")->required();
  copy->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto [sd, sp] = split_ref(a->src);
    auto [dd, dp] = split_ref(a->dest);
    auto c = objstore::copy_path(ws, sd, sp, dd, dp, ::isatty(2), kGlob);
    print_count("Copied", c, "from " + a->src + " to " + a->dest);
  });

  CLI::App* up =
      cmd->add_subcommand("upload", "copy a local file or folder to PATH on a datastore");
  up->add_option("src", a->src, "local file or folder")->required();
  up->add_option("dest", a->dest, "path on the datastore (a folder when SRC is a folder)")
      ->required();
  up->add_option("--datastore", a->datastore, "datastore (default: the workspace's default)");
  up->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = a->datastore.empty() ? ws.get_default_datastore() : Datastore(ws, a->datastore);
    if (ds.is_remote()) {
      auto c = objstore::upload_path(ws, ds.name(), absolute_path(a->src), a->dest, ::isatty(2));
      return print_count("Uploaded", c, "to " + ds.name() + ":" + a->dest);
    }
    std::string dest = ds.path(a->dest) + (a->dest.size() && a->dest.back() == '/' ? "/" : "");
    size_t n =
        transfer(Side{}, absolute_path(a->src), Side{ds.root(), "datastore " + ds.name()}, dest);
    std::cout << "Uploaded " << n << " file(s) to " << ds.name() << ":" << a->dest << "\n";
  });

  CLI::App* down =
      cmd->add_subcommand("download", "copy PATH on a datastore to a local file or folder");
  down->add_option("src", a->src, "path on the datastore")->required();
  down->add_option("dest", a->dest, "local destination")->required();
  down->add_option("--datastore", a->datastore, "datastore (default: the workspace's default)");
  down->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = a->datastore.empty() ? ws.get_default_datastore() : Datastore(ws, a->datastore);
    if (ds.is_remote()) {
      auto c = objstore::download_path(ws, ds.name(), a->src,
                                       absolute_path(a->dest) + (a->dest.back() == '/' ? "/" : ""),
                                       ::isatty(2), kGlob);
      return print_count("Downloaded", c, "from " + ds.name() + ":" + a->src);
    }
    size_t n = transfer(Side{ds.root(), "datastore " + ds.name()}, ds.path(a->src), Side{},
                        absolute_path(a->dest) + (a->dest.back() == '/' ? "/" : ""));
    std::cout << "Downloaded " << n << " file(s) from " << ds.name() << ":" << a->src << "\n";
  });

  CLI::App* ls =
      cmd->add_subcommand("ls", "list files under PATH (or matching a glob) on a datastore");
  ls->add_option("path", a->path, "path or glob on the datastore (default: everything)");
  ls->add_option("--datastore", a->datastore, "datastore (default: the workspace's default)");
  ls->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = a->datastore.empty() ? ws.get_default_datastore() : Datastore(ws, a->datastore);
    std::string pattern = a->path.empty() ? "." : a->path;
    Table t({"SIZE", "PATH"});
    if (ds.is_remote()) {
      auto store = objstore::open_store(ws, ds.name());
      for (const auto& o : objstore::list_path(*store, pattern, kGlob, ds.name()))
        t.add({std::to_string(o.size), o.key});
      return t.print();
    }
    for (const auto& f : internal::match_datastore_files(ds.root(), pattern, ds.name()))
      t.add({std::to_string(f.size), f.rel});
    t.print();
  });

  CLI::App* rm = cmd->add_subcommand(
      "rm", "remove the file at PATH, or everything under it, from a datastore");
  rm->add_option("path", a->path, "path on the datastore (never the whole datastore)")->required();
  rm->add_option("--datastore", a->datastore, "datastore (default: the workspace's default)");
  rm->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Datastore ds = a->datastore.empty() ? ws.get_default_datastore() : Datastore(ws, a->datastore);
    size_t n =
        ds.is_remote() ? objstore::remove_path(ws, ds.name(), a->path) : remove_local(ds, a->path);
    std::cout << "Removed " << n << " file(s) from " << ds.name() << ":" << a->path << "\n";
  });
}

}  // namespace runnel::cli
