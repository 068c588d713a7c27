// Remote datastore operations for the CLI and the engine (objstore/ops.h).
#include "objstore/ops.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "core/fs.h"
#include "core/sha256.h"
#include "objstore/crypto.h"
#include "objstore/remote.h"
#include "objstore/transfer.h"
#include "runnel/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace runnel::objstore {

namespace {

constexpr const char* kMarker = "_RUNNEL_COMMITTED";
constexpr const char* kUploading = "_RUNNEL_UPLOADING";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string clean(std::string p) {
  while (p.rfind("./", 0) == 0) p = p.substr(2);
  if (p == ".") p.clear();
  while (!p.empty() && p.back() == '/') p.pop_back();
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  return p;
}

std::string join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "/" + b;
}

// Local files under a file or folder: (relative name, absolute path).
std::vector<std::pair<std::string, std::string>> local_files(const std::string& local) {
  std::vector<std::pair<std::string, std::string>> out;
  if (fs::is_regular_file(local)) {
    out.emplace_back(fs::path(local).filename().string(), local);
  } else if (fs::is_directory(local)) {
    // Lexically: a mounted input is a folder of symlinks into a datastore, and fs::relative
    // would resolve each one and name a path outside `local` ("../../datastores/...").
    fs::path base = fs::path(local).lexically_normal();
    if (!base.has_filename()) base = base.parent_path();  // "dir/" -> "dir"
    for (const auto& e : fs::recursive_directory_iterator(base))
      if (e.is_regular_file())
        out.emplace_back(e.path().lexically_relative(base).generic_string(), e.path().string());
    std::sort(out.begin(), out.end());
  } else {
    throw not_found("nothing to upload at " + local);
  }
  return out;
}

bool has_glob(const std::string& p) { return p.find_first_of("*?[") != std::string::npos; }

// The content of marker object `o`: from `cache` (a folder, file named by key and ETag) when
// fetched before, else downloaded (and kept there when `cache` is given).
json read_marker(ObjectStore& store, const ObjectInfo& o, const std::string& cache) {
  std::string cached =
      cache.empty() ? "" : cache + "/" + hex(md5_raw(o.key + "\n" + o.etag)) + ".json";
  if (!cached.empty() && path_exists(cached)) {
    json m = json::parse(read_file(cached), nullptr, false);
    if (m.is_object()) return m;
  }
  std::string tmp = cached.empty() ? "/tmp/runnel-marker-" + std::to_string(::getpid()) + "-" +
                                         hex(md5_raw(o.key))
                                   : cached + ".part";
  if (!cached.empty()) make_dirs(cache);
  download_files(store, {{o, tmp}}, {});
  json m = json::parse(read_file(tmp), nullptr, false);
  if (!cached.empty() && m.is_object()) {
    if (::rename(tmp.c_str(), cached.c_str()) != 0) ::unlink(tmp.c_str());
  } else {
    ::unlink(tmp.c_str());
  }
  return m;
}

// Drops objects under committed-output folders that their marker does not list, and
// everything under a folder whose marker is missing while an upload is in progress.
std::vector<ObjectInfo> committed_only(ObjectStore& store, std::vector<ObjectInfo> objs,
                                       const std::string& marker_cache) {
  std::map<std::string, std::set<std::string>> markers;  // folder -> files it lists
  for (const auto& o : objs)
    if (ends_with(o.key, std::string("/") + kUploading))
      markers[o.key.substr(
          0, o.key.size() - std::string(kUploading).size() - 1)];  // hidden until committed
  for (const auto& o : objs) {
    const std::string suffix = std::string("/") + kMarker;
    if (o.key.size() > suffix.size() &&
        o.key.compare(o.key.size() - suffix.size(), suffix.size(), suffix) == 0) {
      std::string folder = o.key.substr(0, o.key.size() - suffix.size());
      json m = read_marker(store, o, marker_cache);
      auto& set = markers[folder];
      if (m.is_object() && m.contains("files"))
        for (const auto& f : m["files"]) set.insert(folder + "/" + f.value("path", ""));
    }
  }
  if (markers.empty()) return objs;
  std::vector<ObjectInfo> out;
  for (auto& o : objs) {
    bool keep = true;
    for (const auto& [folder, files] : markers)
      if (o.key.rfind(folder + "/", 0) == 0) keep = files.count(o.key) > 0;
    if (keep) out.push_back(std::move(o));
  }
  return out;
}

// One process at a time updates a datastore's cache and index (flock; released on close).
class CacheLock {
 public:
  CacheLock(const Workspace& ws, const std::string& datastore) {
    std::string dir = ws.runnel_dir() + "/cache/datastore-index";
    make_dirs(dir);
    std::string path = dir + "/" + datastore + ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw io_error("cannot open " + path + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      std::string e = std::strerror(errno);
      ::close(fd_);
      throw io_error("cannot lock " + path + ": " + e);
    }
  }
  ~CacheLock() { ::close(fd_); }
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_ = -1;
};

std::string index_path(const Workspace& ws, const std::string& datastore) {
  return ws.runnel_dir() + "/cache/datastore-index/" + datastore + ".json";
}

json read_index(const std::string& path) {
  json index = path_exists(path) ? json::parse(read_file(path), nullptr, false) : json::object();
  return index.is_object() ? index : json::object();
}

// What the index records for a cached file: the object's listing digest and the file's
// size and modification time when it was written (a file changed locally is fetched again).
json index_entry(const ObjectInfo& o, const std::string& local) {
  struct stat st {};
  if (::stat(local.c_str(), &st) != 0) return nullptr;
  return {{"id", o.listing_digest()},
          {"size", static_cast<int64_t>(st.st_size)},
          {"mtime_ns", static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec}};
}

bool entry_holds(const json& index, const ObjectInfo& o, const std::string& local) {
  auto it = index.find(o.key);
  if (it == index.end() || !it->is_object()) return false;
  json now = index_entry(o, local);
  return !now.is_null() && now == *it;
}

}  // namespace

std::string marker_cache_dir(const Workspace& ws, const std::string& datastore) {
  return ws.runnel_dir() + "/cache/datastore-index/" + datastore + ".markers";
}

std::vector<ObjectInfo> list_path(ObjectStore& store, const std::string& raw, const GlobMatch& glob,
                                  const std::string& where, const std::string& marker_cache) {
  std::string path = clean(raw);
  std::vector<ObjectInfo> out;
  if (has_glob(path)) {
    std::string fixed = path.substr(0, path.find_first_of("*?["));
    fixed = fixed.substr(0, fixed.rfind('/') == std::string::npos ? 0 : fixed.rfind('/') + 1);
    for (auto& o : store.list(fixed))
      if (glob(path, o.key)) out.push_back(std::move(o));
  } else {
    for (auto& o : store.list(path))
      if (path.empty() || o.key == path || o.key.rfind(path + "/", 0) == 0)
        out.push_back(std::move(o));
  }
  out = committed_only(store, std::move(out), marker_cache);
  std::vector<ObjectInfo> files;
  for (auto& o : out)
    if (fs::path(o.key).filename() != kMarker && fs::path(o.key).filename() != kUploading)
      files.push_back(std::move(o));
  if (files.empty() && !path.empty())
    throw not_found(where + " has nothing at '" + path +
                    "'; check the path (runnel datastore ls --datastore " + where + ")");
  return files;
}

size_t remove_path(const Workspace& ws, const std::string& datastore, const std::string& raw) {
  std::string path = clean(raw);
  if (path.empty())
    throw invalid_argument("datastore '" + datastore +
                           "': refusing to remove the whole datastore; name a path in it");
  auto store = open_store(ws, datastore);
  std::vector<std::string> keys;
  for (const auto& o : store->list(path))
    if (o.key == path || o.key.rfind(path + "/", 0) == 0) keys.push_back(o.key);
  if (keys.empty())
    throw not_found("datastore '" + datastore + "' has nothing at '" + path +
                    "'; check the path (runnel datastore ls --datastore " + datastore + ")");
  // Commit markers first: a folder without its marker reads as absent (publish_output), so
  // no reader sees part of a committed output while its files go.
  std::stable_partition(keys.begin(), keys.end(),
                        [](const std::string& k) { return fs::path(k).filename() == kMarker; });
  for (const auto& k : keys) store->remove(k);
  return keys.size();
}

TransferCount upload_path(const Workspace& ws, const std::string& datastore,
                          const std::string& local, const std::string& dest, bool progress) {
  auto store = open_store(ws, datastore);
  std::vector<UploadItem> items;
  std::string d = clean(dest);
  bool dir = fs::is_directory(local);
  TransferCount c;
  for (const auto& [rel, abs] : local_files(local)) {
    items.push_back({abs, dir || dest.empty() || dest.back() == '/' ? join(d, rel) : d});
    c.bytes += static_cast<int64_t>(fs::file_size(abs));
  }
  TransferOptions opt;
  opt.progress = progress;
  upload_files(*store, items, opt);
  c.files = items.size();
  return c;
}

TransferCount download_path(const Workspace& ws, const std::string& datastore,
                            const std::string& src, const std::string& local, bool progress,
                            const GlobMatch& glob) {
  auto store = open_store(ws, datastore);
  std::string s = clean(src);
  auto objs = list_path(*store, s, glob, datastore);
  std::vector<DownloadItem> items;
  TransferCount c;
  bool single = objs.size() == 1 && objs[0].key == s;
  for (const auto& o : objs) {
    std::string to;
    if (single) {
      to = fs::is_directory(local) || (!local.empty() && local.back() == '/')
               ? join(clean(local), fs::path(s).filename().string())
               : local;
      if (!local.empty() && local.front() == '/') to = "/" + clean(to);
    } else {
      std::string rel = has_glob(s) || s.empty() ? o.key : o.key.substr(s.size() + 1);
      to = local + "/" + rel;
    }
    items.push_back({o, to});
    c.bytes += o.size;
  }
  TransferOptions opt;
  opt.progress = progress;
  download_files(*store, items, opt);
  c.files = items.size();
  return c;
}

TransferCount copy_path(const Workspace& ws, const std::string& src, const std::string& src_path,
                        const std::string& dst, const std::string& dst_path, bool progress,
                        const GlobMatch& glob) {
  Datastore from(ws, src), to(ws, dst);
  std::string tmp = ws.runnel_dir() + "/cache/copy-" + std::to_string(::getpid());
  remove_all(tmp);
  struct Rm {
    std::string p;
    ~Rm() { remove_all(p); }
  } rm{tmp};
  // 1. What the source holds: (rel, md5 b64 or "", local path once fetched).
  struct Item {
    std::string rel, md5, local;
    ObjectInfo obj;
  };
  std::vector<Item> items;
  std::string sp = clean(src_path);
  if (from.is_remote()) {
    auto store = open_store(ws, src);
    for (auto& o : list_path(*store, sp, glob, src)) {
      std::string rel = o.key == sp ? fs::path(sp).filename().string()
                                    : (sp.empty() ? o.key : o.key.substr(sp.size() + 1));
      std::string md5 = o.content_md5;
      if (md5.empty() && o.etag.size() == 32 && o.etag.find('-') == std::string::npos) {
        std::string raw;
        for (size_t i = 0; i < 32; i += 2)
          raw += static_cast<char>(std::stoi(o.etag.substr(i, 2), nullptr, 16));
        md5 = base64_encode(raw);
      }
      items.push_back({rel, md5, "", o});
    }
  } else {
    std::string root = from.path(sp.empty() ? "." : sp);
    for (const auto& [rel, abs] : local_files(root))
      items.push_back({rel, base64_encode(md5_file_raw(abs)), abs, {}});
  }
  // 2. What the destination has already (rel -> md5).
  std::map<std::string, std::string> have;
  std::string dp = clean(dst_path);
  std::unique_ptr<ObjectStore> dstore;
  if (to.is_remote()) {
    dstore = open_store(ws, dst);
    for (const auto& o : dstore->list(dp)) {
      if (!dp.empty() && o.key.rfind(dp + "/", 0) != 0) continue;
      std::string md5 = o.content_md5;
      if (md5.empty() && o.etag.size() == 32) {
        std::string raw;
        for (size_t i = 0; i < 32; i += 2)
          raw += static_cast<char>(std::stoi(o.etag.substr(i, 2), nullptr, 16));
        md5 = base64_encode(raw);
      }
      have[dp.empty() ? o.key : o.key.substr(dp.size() + 1)] = md5;
    }
  } else {
    std::string root = to.path(dp.empty() ? "." : dp);
    if (fs::is_directory(root))
      for (const auto& [rel, abs] : local_files(root)) have[rel] = base64_encode(md5_file_raw(abs));
  }
  TransferCount c;
  std::vector<Item*> todo;
  for (auto& it : items) {
    auto h = have.find(it.rel);
    if (h != have.end() && !it.md5.empty() && h->second == it.md5) {
      ++c.skipped;
    } else {
      todo.push_back(&it);
    }
  }
  // 3. Fetch what is remote, then write it to the destination.
  if (from.is_remote() && !todo.empty()) {
    auto store = open_store(ws, src);
    std::vector<DownloadItem> d;
    for (auto* it : todo) {
      it->local = tmp + "/" + it->rel;
      d.push_back({it->obj, it->local});
    }
    TransferOptions opt;
    opt.progress = progress;
    download_files(*store, d, opt);
  }
  if (to.is_remote()) {
    std::vector<UploadItem> u;
    for (auto* it : todo) u.push_back({it->local, join(dp, it->rel)});
    TransferOptions opt;
    opt.progress = progress;
    upload_files(*dstore, u, opt);
  } else {
    for (auto* it : todo) {
      std::string out = to.path(join(dp, it->rel));
      make_dirs(fs::path(out).parent_path().string());
      fs::copy_file(it->local, out + ".copy-tmp", fs::copy_options::overwrite_existing);
      fs::rename(out + ".copy-tmp", out);
    }
  }
  for (auto* it : todo) {
    ++c.files;
    c.bytes += it->obj.size ? it->obj.size : static_cast<int64_t>(fs::file_size(it->local));
  }
  return c;
}

TransferCount sync_cache(const Workspace& ws, const std::string& datastore, const std::string& path,
                         const GlobMatch& glob) {
  Datastore ds(ws, datastore);
  auto store = open_store(ws, datastore);
  std::string p = clean(path);
  CacheLock lock(ws, datastore);
  auto objs = list_path(*store, p, glob, datastore, marker_cache_dir(ws, datastore));
  std::string ipath = index_path(ws, datastore);
  json index = read_index(ipath);
  std::vector<DownloadItem> todo;
  std::set<std::string> keys;
  TransferCount c;
  for (const auto& o : objs) {
    keys.insert(o.key);
    std::string local = ds.path(o.key);  // refuses keys that would leave the cache
    if (entry_holds(index, o, local)) {
      ++c.skipped;
      continue;
    }
    todo.push_back({o, local});
    c.bytes += o.size;
  }
  download_files(*store, todo, {});
  for (const auto& it : todo) index[it.object.key] = index_entry(it.object, it.local);
  c.files = todo.size();
  bool changed = !todo.empty();
  // Local files under `path` that the store no longer has.
  std::string base = has_glob(p) ? "" : p;
  std::string root = ds.root() + (base.empty() ? "" : "/" + base);
  if (fs::is_directory(root)) {
    for (const auto& [rel, abs] : local_files(root)) {
      std::string key = join(base, rel);
      if (keys.count(key) || (has_glob(p) && !glob(p, key))) continue;
      ::unlink(abs.c_str());
      index.erase(key);
      changed = true;
    }
  } else if (!base.empty() && fs::is_regular_file(root) && !keys.count(base)) {
    ::unlink(root.c_str());
    index.erase(base);
    changed = true;
  }
  if (changed) write_file_atomic(ipath, index.dump() + "\n");
  return c;
}

void publish_output(const Workspace& ws, const std::string& datastore, const std::string& path,
                    const std::string& local) {
  auto store = open_store(ws, datastore);
  std::string p = clean(path);
  if (!fs::is_directory(local)) {  // a single file appears whole (one PUT or one block commit)
    upload_files(*store, {{local, p}}, {});
    return;
  }
  std::string marker = local + ".runnel-marker";
  write_file_atomic(marker, "{}\n");
  upload_files(*store, {{marker, join(p, kUploading)}}, {});
  store->remove(join(p, kMarker));
  std::vector<UploadItem> items;
  json manifest = {{"files", json::array()}};
  for (const auto& [rel, abs] : local_files(local)) {
    items.push_back({abs, join(p, rel)});
    manifest["files"].push_back({{"path", rel}, {"md5", base64_encode(md5_file_raw(abs))}});
  }
  upload_files(*store, items, {});
  write_file_atomic(marker, manifest.dump(2) + "\n");
  upload_files(*store, {{marker, join(p, kMarker)}}, {});
  store->remove(join(p, kUploading));
  ::unlink(marker.c_str());
}

std::string adopt_into_cache(const Workspace& ws, const std::string& datastore,
                             const std::string& path, const std::string& local,
                             const GlobMatch& glob) {
  Datastore ds(ws, datastore);
  auto store = open_store(ws, datastore);
  std::string p = clean(path);
  std::string dest = ds.path(p);
  CacheLock lock(ws, datastore);
  auto objs = list_path(*store, p, glob, datastore, marker_cache_dir(ws, datastore));
  remove_all(dest);
  make_dirs(fs::path(dest).parent_path().string());
  std::error_code ec;
  fs::rename(local, dest, ec);
  if (ec) {  // another filesystem: copy
    fs::copy(local, dest, fs::copy_options::recursive, ec);
    if (ec) throw io_error("cannot cache output " + local + " at " + dest + ": " + ec.message());
    remove_all(local);
  }
  std::string ipath = index_path(ws, datastore);
  json index = read_index(ipath);
  for (const auto& o : objs) {
    json e = index_entry(o, ds.path(o.key));
    if (!e.is_null()) index[o.key] = e;
  }
  write_file_atomic(ipath, index.dump() + "\n");
  return dest;
}

std::string listing_state_digest(const std::vector<ObjectInfo>& objects, const std::string& path) {
  std::string p = clean(path);
  std::vector<std::pair<std::string, std::string>> rows;
  rows.reserve(objects.size());
  for (const auto& o : objects) {
    bool below = !p.empty() && o.key.rfind(p + "/", 0) == 0;
    std::string rel = below ? o.key.substr(p.size() + 1) : o.key;
    rows.emplace_back(rel, o.listing_digest());
  }
  std::sort(rows.begin(), rows.end());
  Sha256 h;
  for (const auto& [rel, id] : rows) {
    // Length-prefixed, so that no key or identity can run into the next one.
    h.update(std::to_string(rel.size()) + ":" + rel + ";" + std::to_string(id.size()) + ":" + id +
             "\n");
  }
  return h.finish().hex();
}

std::string ObjectInfo::listing_digest() const {
  return "etag=" + etag + ";size=" + std::to_string(size) + ";md5=" + content_md5 +
         ";version=" + version_id;
}

}  // namespace runnel::objstore
