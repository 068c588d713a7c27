#include "data/materialize.h"

#include <gtest/gtest.h>

#include "data/data_test_util.h"
#include "runnel/dataset.h"
#include "runnel/error.h"

namespace runnel {
namespace {

using testing::TempWorkspace;

StepInput dataset_input(const std::string& ref, InputMode mode,
                        DataType type = DataType::kUriFolder) {
  StepInput in;
  in.name = "x";
  in.type = type;
  in.mode = mode;
  InputSource s;
  s.kind = InputSource::Kind::kDataset;
  s.dataset = ref;
  in.source = s;
  return in;
}

TEST(Materialize, DownloadMountAndDirect) {
  TempWorkspace t;
  t.put("img/a.png", "A");
  t.put("img/sub/b.png", "B");
  auto reg = Dataset::File::from_files({{t.ds(), "img/"}}).register_dataset(t.ws(), "imgs");
  std::string work = t.dir() + "/work";
  auto dl =
      resolve_input(t.ws(), dataset_input("dataset:imgs:1", InputMode::kDownload), work, false);
  EXPECT_EQ(read_file(dl.path_for_step + "/sub/b.png"), "B");
  EXPECT_EQ(dl.content_digest, reg.digest());
  EXPECT_EQ(dl.context_entry["dataset"]["version"], 1);
  write_file_atomic(dl.path_for_step + "/a.png", "changed by the step");
  EXPECT_EQ(read_file(t.ds().path("img/a.png")), "A");  // the datastore's copy is untouched

  auto mnt = resolve_input(t.ws(), dataset_input("azureml:imgs", InputMode::kRoMount), work, false);
  EXPECT_EQ(read_file(mnt.path_for_step + "/a.png"), "A");
  auto direct = resolve_input(t.ws(), dataset_input("imgs", InputMode::kDirect), work, false);
  EXPECT_NE(read_file(direct.path_for_step).find("\"local_path\""), std::string::npos);
  EXPECT_EQ(direct.context_entry["mode"], "direct");
}

TEST(Materialize, ChangedContentIsCaught) {
  TempWorkspace t;
  t.put("d/a.csv", "x\n1\n");
  Dataset::Tabular::from_delimited_files({{t.ds(), "d/a.csv"}}).register_dataset(t.ws(), "tab");
  std::string work = t.dir() + "/work";
  t.put("d/a.csv", "x\n2\n");
  try {
    resolve_input(t.ws(), dataset_input("tab", InputMode::kDirect), work, false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption);
    EXPECT_NE(std::string(e.what()).find("workspaceblobstore:d/a.csv"), std::string::npos)
        << e.what();
  }
  auto r = resolve_input(t.ws(), dataset_input("tab", InputMode::kDirect), work, true);
  ASSERT_EQ(r.files_changed.size(), 1u);
  EXPECT_NE(r.content_digest, Dataset::get_tabular_dataset(t.ws(), "tab").digest());
}

TEST(Materialize, TabularNeedsDirect) {
  TempWorkspace t;
  t.put("d/a.csv", "x\n1\n");
  Dataset::Tabular::from_delimited_files({{t.ds(), "d/a.csv"}}).register_dataset(t.ws(), "tab");
  try {
    resolve_input(t.ws(), dataset_input("tab", InputMode::kDownload), t.dir() + "/w", false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("support mode: direct only"), std::string::npos)
        << e.what();
  }
}

// A file dataset made from one file is that file's path when mounted or downloaded (as Azure
// ML gives Dataset.File.from_files('a.csv') and a DataReference to a file); made from a
// folder holding one file, it stays the folder.
TEST(Materialize, OneFileDatasetIsTheFilePath) {
  TempWorkspace t;
  t.put("d/one.csv", "a,b\n");
  Dataset::File::from_files({{t.ds(), "d/one.csv"}}).register_dataset(t.ws(), "one");
  Dataset::File::from_files({{t.ds(), "d/"}}).register_dataset(t.ws(), "folder");
  for (InputMode mode : {InputMode::kRoMount, InputMode::kDownload}) {
    auto r = resolve_input(t.ws(), dataset_input("one", mode), t.dir() + "/w", false);
    EXPECT_EQ(read_file(r.path_for_step), "a,b\n") << r.path_for_step;
    EXPECT_EQ(r.context_entry["path"], r.path_for_step);
    auto f = resolve_input(t.ws(), dataset_input("folder", mode), t.dir() + "/w2", false);
    EXPECT_EQ(read_file(f.path_for_step + "/one.csv"), "a,b\n");
  }
}

TEST(Materialize, DatastorePathDownload) {
  TempWorkspace t;
  t.put("p/f.txt", "hello");
  StepInput in;
  in.name = "p";
  in.type = DataType::kUriFolder;
  in.mode = InputMode::kDownload;
  InputSource s;
  s.kind = InputSource::Kind::kDatastorePath;
  s.datastore = "workspaceblobstore";
  s.path = "p";
  in.source = s;
  auto r = resolve_input(t.ws(), in, t.dir() + "/w", false);
  EXPECT_EQ(read_file(r.path_for_step + "/f.txt"), "hello");
  EXPECT_EQ(r.content_digest.size(), 64u);
  in.source->path = "../../etc";
  EXPECT_THROW(resolve_input(t.ws(), in, t.dir() + "/w", false), Error);
}

}  // namespace
}  // namespace runnel
