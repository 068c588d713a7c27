#include "data/materialize.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

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

StepInput folder_input(const std::string& name, InputMode mode, InputSource source) {
  StepInput in;
  in.name = name;
  in.type = DataType::kUriFolder;
  in.mode = mode;
  in.source = std::move(source);
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
  InputSource s;
  s.kind = InputSource::Kind::kDatastorePath;
  s.datastore = "workspaceblobstore";
  s.path = "p";
  StepInput in = folder_input("p", InputMode::kDownload, s);
  auto r = resolve_input(t.ws(), in, t.dir() + "/w", false);
  EXPECT_EQ(read_file(r.path_for_step + "/f.txt"), "hello");
  EXPECT_EQ(r.content_digest.size(), 64u);
  in.source->path = "../../etc";
  EXPECT_THROW(resolve_input(t.ws(), in, t.dir() + "/w", false), Error);
}

StepInput output_input(OutputDatasetRead read) {
  InputSource s;
  s.kind = InputSource::Kind::kStepOutput;
  s.step = "prep";
  s.output = "out";
  StepInput in = folder_input("rows", InputMode::kDirect, s);
  in.as_dataset = std::move(read);
  return in;
}

TEST(Materialize, OutputReadAsATableCarriesItsSelectionsAndSplits) {
  TempWorkspace t;
  std::string out = t.dir() + "/out";
  make_dirs(out + "/part");
  write_file_atomic(out + "/part/a.csv", "id,x\n1,2\n");
  write_file_atomic(out + "/notes.txt", "not a table");
  OutputDatasetRead read;
  read.file_glob = "**/*.csv";
  read.keep_columns = {"id"};
  read.random_splits = {{0.7, 42, 1}};
  auto r = resolve_output_dataset(output_input(read), out, t.dir() + "/w");
  auto def = r.context_entry["dataset"]["definition"];
  EXPECT_EQ(r.context_entry["dataset"]["kind"], "tabular");
  ASSERT_EQ(def["files"].size(), 1u);  // the glob keeps the CSV only
  EXPECT_EQ(def["files"][0]["local_path"], out + "/part/a.csv");
  EXPECT_EQ(def["options"]["keep_columns"], nlohmann::json({"id"}));
  ASSERT_EQ(def["options"]["random_split"].size(), 1u);
  EXPECT_EQ(def["options"]["random_split"][0]["seed"], 42);
  EXPECT_EQ(def["options"]["random_split"][0]["part"], 1);
  EXPECT_DOUBLE_EQ(def["options"]["random_split"][0]["percentage"].get<double>(), 0.7);
  EXPECT_EQ(nlohmann::json::parse(read_file(r.path_for_step)), def);  // what the step reads

  OutputDatasetRead files;
  files.format = OutputDatasetRead::Format::kFiles;
  auto f = resolve_output_dataset(output_input(files), out, t.dir() + "/w");
  EXPECT_EQ(f.context_entry["dataset"]["kind"], "file");
  EXPECT_EQ(f.context_entry["dataset"]["definition"]["files"].size(), 2u);
  EXPECT_FALSE(f.context_entry["dataset"]["definition"]["options"].contains("random_split"));
}

TEST(Materialize, OutputReadAsATableWithNoFilesNamesTheInputAndStep) {
  TempWorkspace t;
  std::string out = t.dir() + "/empty";
  make_dirs(out);
  OutputDatasetRead read;
  read.file_glob = "*.csv";
  try {
    resolve_output_dataset(output_input(read), out, t.dir() + "/w");
    FAIL() << "an output with no matching files was read";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("input 'rows'"), std::string::npos) << m;
    EXPECT_NE(m.find("output 'out' of step 'prep'"), std::string::npos) << m;
  }
}

TEST(Materialize, DownloadedOutputIsACopyThatKeepsItsInnerLinks) {
  TempWorkspace t;
  std::string out = t.dir() + "/out";
  make_dirs(out + "/d/empty");
  write_file_atomic(out + "/d/f.txt", "data");
  std::filesystem::create_symlink("d/f.txt", out + "/link");
  std::string to = t.dir() + "/w/inputs/i";
  make_dirs(to);
  write_file_atomic(to + "/stale.txt", "from an earlier attempt");
  download_output(out, to);
  EXPECT_EQ(read_file(to + "/d/f.txt"), "data");
  EXPECT_EQ(std::filesystem::read_symlink(to + "/link").string(), "d/f.txt");
  EXPECT_EQ(read_file(to + "/link"), "data");
  EXPECT_TRUE(std::filesystem::is_directory(to + "/d/empty"));
  EXPECT_FALSE(path_exists(to + "/stale.txt"));  // replaced, not merged
  write_file_atomic(to + "/d/f.txt", "changed by the step");
  EXPECT_EQ(read_file(out + "/d/f.txt"), "data");  // the producer's output is untouched
  // A one-file output is copied as that file.
  download_output(out + "/d/f.txt", t.dir() + "/w/inputs/one");
  EXPECT_EQ(read_file(t.dir() + "/w/inputs/one"), "data");
}

}  // namespace
}  // namespace runnel
