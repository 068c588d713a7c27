// Parallel, verified uploads and downloads (objstore/transfer.h).
#include "objstore/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/fs.h"
#include "core/thread_pool.h"
#include "objstore/crypto.h"
#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel::objstore {

namespace {

// An open file descriptor, closed on destruction.
class Fd {
 public:
  Fd(const std::string& path, int flags, mode_t mode = 0644)
      : fd_(::open(path.c_str(), flags | O_CLOEXEC, mode)) {
    if (fd_ < 0) throw io_error("cannot open " + path + ": " + std::strerror(errno));
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A bar on stderr, redrawn five times a second while a transfer runs.
class ProgressBar {
 public:
  ProgressBar(bool show, int64_t total, const char* verb)
      : show_(show && total > 0), total_(total), verb_(verb) {
    if (show_) thread_ = std::thread([this] { run(); });
  }
  ~ProgressBar() {
    if (!show_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    draw();
    std::fprintf(stderr, "\n");
  }
  void add(int64_t n) { done_ += n; }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) draw();
  }
  void draw() {
    int64_t d = std::max<int64_t>(0, done_.load());
    int pct = static_cast<int>(std::min<int64_t>(100, d * 100 / total_));
    std::string bar(static_cast<size_t>(pct / 4), '#');
    bar.resize(25, ' ');
    std::fprintf(stderr, "\r%s [%s] %3d%%  %lld/%lld MiB", verb_, bar.c_str(), pct,
                 static_cast<long long>(d >> 20), static_cast<long long>(total_ >> 20));
  }
  bool show_;
  int64_t total_;
  const char* verb_;
  std::atomic<int64_t> done_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

std::string read_range(int fd, const std::string& path, int64_t offset, int64_t length) {
  std::string buf(static_cast<size_t>(length), '\0');
  int64_t got = 0;
  while (got < length) {
    ssize_t r = ::pread(fd, buf.data() + got, static_cast<size_t>(length - got), offset + got);
    if (r < 0) throw io_error("cannot read " + path + ": " + std::strerror(errno));
    if (r == 0) throw io_error(path + " shrank while it was being uploaded; upload it again");
    got += r;
  }
  return buf;
}

struct UploadFile {
  const UploadItem* item;
  std::unique_ptr<Fd> fd;
  int64_t size = 0;
  int parts = 1;  // 1 = single request
  std::string upload_id;
  std::vector<PartTag> tags;
  std::string whole_md5;
  std::atomic<int> remaining{0};
  std::atomic<bool> done{false};
};

struct Task {
  size_t file;
  int part;  // -1: the whole file's MD5 (Azure block blobs)
};

}  // namespace

void upload_files(ObjectStore& store, const std::vector<UploadItem>& items,
                  const TransferOptions& opt) {
  std::vector<std::unique_ptr<UploadFile>> files;
  std::vector<Task> tasks;
  int64_t total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    auto f = std::make_unique<UploadFile>();
    f->item = &items[i];
    f->fd = std::make_unique<Fd>(items[i].local, O_RDONLY);
    struct stat st {};
    ::fstat(f->fd->get(), &st);
    f->size = st.st_size;
    total += f->size;
    if (f->size > opt.single_max) {
      f->parts = static_cast<int>((f->size + opt.part_size - 1) / opt.part_size);
      f->tags.resize(static_cast<size_t>(f->parts));
    }
    bool md5_task = f->parts > 1 && store.kind() == StoreKind::kAzureBlob;
    f->remaining = f->parts + (md5_task ? 1 : 0);
    if (md5_task) tasks.push_back({i, -1});
    for (int p = 0; p < f->parts; ++p) tasks.push_back({i, p});
    files.push_back(std::move(f));
  }
  ProgressBar bar(opt.progress, total, "upload");
  try {
    for (auto& f : files)
      if (f->parts > 1) f->upload_id = store.begin_parts(f->item->key, opt.part_size);
    parallel_for(tasks.size(), opt.parallel, [&](size_t t) {
      UploadFile& f = *files[tasks[t].file];
      int part = tasks[t].part;
      if (part < 0) {
        f.whole_md5 = base64_encode(md5_file_raw(f.item->local));
      } else if (f.parts == 1) {
        std::string body = read_range(f.fd->get(), f.item->local, 0, f.size);
        store.put_single(f.item->key, body, md5_b64(body));
        bar.add(f.size);
      } else {
        int64_t off = part * opt.part_size;
        std::string body =
            read_range(f.fd->get(), f.item->local, off, std::min(opt.part_size, f.size - off));
        f.tags[static_cast<size_t>(part)] =
            store.put_part(f.item->key, f.upload_id, part, body, md5_b64(body));
        bar.add(static_cast<int64_t>(body.size()));
      }
      if (--f.remaining == 0 && f.parts > 1) {
        store.complete_parts(f.item->key, f.upload_id, f.tags, f.whole_md5);
        f.done = true;
      }
    });
  } catch (...) {
    for (auto& f : files) {
      if (f->parts > 1 && !f->upload_id.empty() && !f->done) {
        try {
          store.abort_parts(f->item->key, f->upload_id);
        } catch (const Error&) {
        }
      }
    }
    throw;
  }
}

namespace {

struct DownloadFile {
  const DownloadItem* item;
  std::string tmp;
  std::unique_ptr<Fd> fd;
  int parts = 1;
  ObjectInfo seen;  // what the (first) response said
  std::atomic<int> remaining{0};
};

// Checks the downloaded file against what the store says about the object; "" when it
// matches or there is nothing to check against, else what differs.
std::string verify(const DownloadFile& f, StoreKind kind) {
  const ObjectInfo& o = f.seen;
  struct stat st {};
  ::fstat(f.fd->get(), &st);
  if (o.size && st.st_size != o.size)
    return "size " + std::to_string(st.st_size) + " instead of " + std::to_string(o.size);
  std::string md5 = !o.content_md5.empty() ? o.content_md5 : f.item->object.content_md5;
  if (!md5.empty()) {
    std::string got = base64_encode(md5_file_raw(f.tmp));
    return got == md5 ? "" : "MD5 " + got + " instead of " + md5;
  }
  if (kind != StoreKind::kS3 || o.etag.empty()) return "";
  auto dash = o.etag.find('-');
  if (dash == std::string::npos) {
    if (o.etag.size() != 32) return "";
    std::string got = hex(md5_file_raw(f.tmp));
    return got == o.etag ? "" : "MD5 " + got + " instead of the ETag " + o.etag;
  }
  if (o.part_size <= 0) return "";
  std::string cat;
  for (int64_t off = 0; off < st.st_size; off += o.part_size)
    cat += md5_file_raw(f.tmp, off, o.part_size);
  std::string got = hex(md5_raw(cat)) + o.etag.substr(dash);
  return got == o.etag ? "" : "multipart ETag " + got + " instead of " + o.etag;
}

}  // namespace

void download_files(ObjectStore& store, const std::vector<DownloadItem>& items,
                    const TransferOptions& opt) {
  std::vector<std::unique_ptr<DownloadFile>> files;
  std::vector<Task> tasks;
  int64_t total = 0;
  std::string suffix = ".part-" + std::to_string(::getpid());
  for (size_t i = 0; i < items.size(); ++i) {
    auto f = std::make_unique<DownloadFile>();
    f->item = &items[i];
    make_dirs(fs::path(items[i].local).parent_path().string());
    f->tmp = items[i].local + suffix;
    f->fd = std::make_unique<Fd>(f->tmp, O_RDWR | O_CREAT | O_TRUNC);
    int64_t size = items[i].object.size;
    total += size;
    if (size > opt.single_max) {
      f->parts = static_cast<int>((size + opt.part_size - 1) / opt.part_size);
      if (::ftruncate(f->fd->get(), size) != 0)
        throw io_error("cannot allocate " + f->tmp + ": " + std::strerror(errno));
    }
    f->remaining = f->parts;
    for (int p = 0; p < f->parts; ++p) tasks.push_back({i, p});
    files.push_back(std::move(f));
  }
  ProgressBar bar(opt.progress, total, "download");
  std::mutex mu;
  try {
    parallel_for(tasks.size(), opt.parallel, [&](size_t t) {
      DownloadFile& f = *files[tasks[t].file];
      int part = tasks[t].part;
      auto on_bytes = [&bar](int64_t n) { bar.add(n); };
      ObjectInfo info;
      if (f.parts == 1) {
        info = store.get_range(f.item->object.key, f.fd->get(), 0, -1, on_bytes);
      } else {
        int64_t off = part * opt.part_size;
        info = store.get_range(f.item->object.key, f.fd->get(), off,
                               std::min(opt.part_size, f.item->object.size - off), on_bytes);
      }
      if (part == 0) {
        std::lock_guard<std::mutex> lock(mu);
        f.seen = info;
      }
      if (--f.remaining == 0) {
        std::string bad = verify(f, store.kind());
        if (!bad.empty())
          throw corruption(
              "downloaded " + f.item->object.key + " from " + store.describe() +
              " does not verify (" + bad +
              "); it was not kept: download again, and check the object if this repeats");
        if (::rename(f.tmp.c_str(), f.item->local.c_str()) != 0)
          throw io_error("cannot move the download to " + f.item->local + ": " +
                         std::strerror(errno));
      }
    });
  } catch (...) {
    for (auto& f : files) ::unlink(f->tmp.c_str());
    throw;
  }
}

}  // namespace runnel::objstore
