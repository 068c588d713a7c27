// data/data_test_util.h: a temporary workspace with files on its default datastore (tests).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/fs.h"
#include "runnel/workspace.h"

namespace runnel::testing {

class TempWorkspace {
 public:
  TempWorkspace() {
    static int n = 0;
    dir_ = (std::filesystem::temp_directory_path() /
            ("runnel-data-" + std::to_string(::getpid()) + "-" + std::to_string(n++)))
               .string();
    remove_all(dir_);
    ws_ = std::make_unique<Workspace>(Workspace::create(dir_));
  }
  ~TempWorkspace() { remove_all(dir_); }
  const Workspace& ws() const { return *ws_; }
  const std::string& dir() const { return dir_; }
  Datastore ds() const { return ws_->get_default_datastore(); }
  // Writes `data` to `rel` on the default datastore; returns the absolute path.
  std::string put(const std::string& rel, const std::string& data) const {
    std::string p = ds().path(rel);
    make_dirs(std::filesystem::path(p).parent_path().string());
    write_file_atomic(p, data);
    return p;
  }

 private:
  std::string dir_;
  std::unique_ptr<Workspace> ws_;
};

}  // namespace runnel::testing
