// `runnel datastore list|show|register|create|delete|upload|download|ls|copy`: the
// workspace's datastores (local folders, Azure Blob containers, S3 buckets) and their files.
// Transfers of more than 64 MiB show a progress bar on stderr when it is a terminal.
// Credentials are taken from flags or environment variables and never printed.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/table.h"
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

// Copies `from` to `to` (temp name, then rename) reporting bytes to `p`.
void copy_with_progress(const std::string& from, const std::string& to, Progress& p) {
  make_dirs(fs::path(to).parent_path().string());
  std::string tmp = to + ".part-" + std::to_string(::getpid());
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!in || !out)
    throw io_error("cannot copy " + from + " to " + to + ": cannot open one of them");
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
  for (const auto& f : files) copy_with_progress(f.abs, into_dir ? to + "/" + f.rel : to, p);
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
    size_t n = transfer(absolute_path(a->src), dest);
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
    size_t n =
        transfer(ds.path(a->src), absolute_path(a->dest) + (a->dest.back() == '/' ? "/" : ""));
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
}

}  // namespace runnel::cli
