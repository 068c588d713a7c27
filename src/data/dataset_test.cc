#include "runnel/dataset.h"

#include <gtest/gtest.h>

#include "data/data_test_util.h"
#include "runnel/error.h"

namespace runnel {
namespace {

using testing::TempWorkspace;

std::string what(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Tabular, InfersTypesOnATrickyCsv) {
  TempWorkspace t;
  t.put("t/tricky.csv",
        "\xEF\xBB\xBFid,name,score,ok,when,note\n"
        "1,\"Smith, J\",1,true,25/12/2024,\"two\nlines\"\n"
        "2,,2.5,False,03/07/2024,\n"
        "3,\"O\"\"Neil\",,TRUE,01/01/2025,plain\n");
  DelimitedOptions o;
  o.support_multi_line = true;
  auto d = Dataset::Tabular::from_delimited_files({{t.ds(), "t/tricky.csv"}}, o);
  std::vector<std::string> types;
  for (const auto& c : d.columns()) types.push_back(c.name + ":" + c.type_name());
  EXPECT_EQ(types, (std::vector<std::string>{"id:integer", "name:string", "score:float",
                                             "ok:boolean", "when:datetime", "note:string"}));
  EXPECT_EQ(d.columns()[4].date_order, "dmy");
  EXPECT_EQ(
      d.take_json(3),
      R"([[1,"Smith, J",1.0,true,"2024-12-25","two\nlines"],[2,null,2.5,false,"2024-07-03",null],)"
      R"([3,"O\"Neil",null,true,"2025-01-01","plain"]])");
}

TEST(Tabular, Latin1AndSemicolons) {
  TempWorkspace t;
  t.put("l.csv", "ville;pop\nS\xE8te;44000\n");
  DelimitedOptions o;
  o.separator = ";";
  EXPECT_NE(what([&] {
              Dataset::Tabular::from_delimited_files({{t.ds(), "l.csv"}}, o);
            }).find("l.csv:2: byte 0xE8"),
            std::string::npos);
  o.encoding = "latin1";
  auto d = Dataset::Tabular::from_delimited_files({{t.ds(), "l.csv"}}, o);
  EXPECT_EQ(d.take(1)[0][0], "S\xC3\xA8te");
  EXPECT_EQ(d.columns()[1].type, ColumnType::kInteger);
}

TEST(Tabular, BadInputErrors) {
  TempWorkspace t;
  t.put("r/a.csv", "x,y\n1,2\n3\n");
  t.put("h/a.csv", "x,y\n1,2\n");
  t.put("h/b.csv", "x,z\n1,2\n");
  EXPECT_NE(what([&] {
              Dataset::Tabular::from_delimited_files({{t.ds(), "r/a.csv"}});
            }).find("a.csv:3: row has 1 fields"),
            std::string::npos);
  DelimitedOptions pad;
  pad.ragged_rows = RaggedRows::kPadOrTruncate;
  EXPECT_EQ(Dataset::Tabular::from_delimited_files({{t.ds(), "r/a.csv"}}, pad).take(5).size(), 2u);
  EXPECT_NE(what([&] {
              Dataset::Tabular::from_delimited_files({{t.ds(), "h/*.csv"}});
            }).find("b.csv:1: header (x,z) differs"),
            std::string::npos);
  DelimitedOptions combine;
  combine.header = HeaderMode::kCombineAllFilesHeaders;
  EXPECT_EQ(Dataset::Tabular::from_delimited_files({{t.ds(), "h/*.csv"}}, combine).columns().size(),
            3u);
  DelimitedOptions unknown;
  unknown.set_column_types["nope"] = ColumnType::kInteger;
  EXPECT_NE(what([&] {
              Dataset::Tabular::from_delimited_files({{t.ds(), "h/a.csv"}}, unknown);
            }).find("'nope'"),
            std::string::npos);
  EXPECT_NE(what([&] {
              Dataset::File::from_files({{t.ds(), "zz/*.csv"}});
            }).find("matches no file"),
            std::string::npos);
}

TEST(Tabular, IncludePathAndPartitionColumns) {
  TempWorkspace t;
  t.put("sales/eu/2024/03/07/p.csv", "amount\n5\n");
  DelimitedOptions o;
  o.include_path = true;
  o.partition_format = "{region}/{day:yyyy/MM/dd}/*.csv";
  auto d = Dataset::Tabular::from_delimited_files({{t.ds(), "sales/**/*.csv"}}, o);
  ASSERT_EQ(d.columns().size(), 4u);
  EXPECT_EQ(d.columns()[3].type, ColumnType::kDatetime);
  EXPECT_EQ(d.take_json(1), R"([[5,"/sales/eu/2024/03/07/p.csv","eu","2024-03-07"]])");
}

TEST(Register, VersionsIdentityAndErrors) {
  TempWorkspace t;
  t.put("img/a.png", "A");
  t.put("img/b.png", "B");
  auto d = Dataset::File::from_files({{t.ds(), "img/"}});
  EXPECT_EQ(d.to_path(), (std::vector<std::string>{"/a.png", "/b.png"}));
  auto v1 = d.register_dataset(t.ws(), "images", "two images");
  EXPECT_EQ(v1.version(), 1);
  EXPECT_EQ(d.register_dataset(t.ws(), "images").version(), 1);  // identical: same version
  t.put("img/c.png", "C");
  auto d2 = Dataset::File::from_files({{t.ds(), "img/"}});
  EXPECT_NE(what([&] { d2.register_dataset(t.ws(), "images"); }).find("create_new_version"),
            std::string::npos);
  EXPECT_EQ(d2.register_dataset(t.ws(), "images", "", {}, true).version(), 2);
  EXPECT_EQ(Dataset::get_file_dataset(t.ws(), "images", 1).files().size(), 2u);
  EXPECT_EQ(Dataset::get_file_dataset(t.ws(), "images").version(), 2);
  EXPECT_NE(what([&] { Dataset::get_by_name(t.ws(), "images", 7); }).find("no version 7"),
            std::string::npos);
  for (const char* bad : {"bad/name", " lead", "trail ", "a\tb"})
    EXPECT_NE(what([&] { d.register_dataset(t.ws(), bad); }).find("not valid"), std::string::npos)
        << bad;
  // Inner spaces are a valid name, as Azure ML's ('diabetes dataset').
  EXPECT_EQ(d.register_dataset(t.ws(), "diabetes dataset").name(), "diabetes dataset");
}

TEST(Register, LocalFilesAreUploaded) {
  TempWorkspace t;
  std::string local = t.dir() + "/local/data";
  make_dirs(local);
  write_file_atomic(local + "/x.csv", "a\n1\n");
  auto d = Dataset::Tabular::from_delimited_files({local + "/*.csv"});
  auto reg = d.register_dataset(t.ws(), "local_ds");
  ASSERT_EQ(reg.files().size(), 1u);
  EXPECT_EQ(reg.files()[0].datastore, "workspaceblobstore");
  EXPECT_EQ(reg.files()[0].path.rfind("datasets/local_ds/", 0), 0u);
  EXPECT_TRUE(path_exists(reg.files()[0].local_path));
  EXPECT_EQ(d.register_dataset(t.ws(), "local_ds").version(), 1);
}

}  // namespace
}  // namespace runnel
