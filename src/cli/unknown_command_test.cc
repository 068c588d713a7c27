#include "cli/unknown_command.h"

#include <gtest/gtest.h>

namespace runnel::cli {
namespace {

// A small tree shaped like runnel's: global -w DIR, `run FILE`, `dataset list|show NAME`.
struct Tree {
  CLI::App app{"test"};
  std::string ws, file, name;
  Tree() {
    app.add_option("--workspace,-w", ws);
    app.add_flag("--no-color");
    app.add_subcommand("run")->add_option("file", file);
    app.add_subcommand("runs")->add_subcommand("list");
    CLI::App* ds = app.add_subcommand("dataset");
    ds->require_subcommand(1);
    ds->add_subcommand("list");
    ds->add_subcommand("show")->add_option("name", name);
    app.add_subcommand("init");
  }
  std::optional<std::string> message(std::vector<std::string> args) {
    return unknown_command_message(app, args);
  }
};

TEST(EditDistance, CountsASwapAsOneEdit) {
  EXPECT_EQ(edit_distance("rnu", "run"), 1u);
  EXPECT_EQ(edit_distance("lsit", "list"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(CloseNames, TyposAndPrefixes) {
  std::vector<std::string> names = {"run", "runs", "init", "dataset", "datastore"};
  EXPECT_EQ(close_names("rnu", names), (std::vector<std::string>{"run"}));
  EXPECT_EQ(close_names("datset", names), (std::vector<std::string>{"dataset"}));
  EXPECT_EQ(close_names("data", names), (std::vector<std::string>{"dataset", "datastore"}));
  EXPECT_TRUE(close_names("foo", names).empty());
}

TEST(UnknownCommand, TopLevelWithSuggestion) {
  Tree t;
  auto m = t.message({"rnu", "p.yml"});
  ASSERT_TRUE(m);
  EXPECT_EQ(*m,
            "unknown command 'rnu' for 'runnel'; did you mean `run`?\n"
            "run `runnel --help` for the commands");
}

TEST(UnknownCommand, TopLevelWithoutSuggestion) {
  Tree t;
  auto m = t.message({"foo"});
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, "unknown command 'foo' for 'runnel'\nrun `runnel --help` for the commands");
}

TEST(UnknownCommand, SubSubcommandAfterGlobalOption) {
  Tree t;
  auto m = t.message({"-w", "dataset", "--no-color", "dataset", "lsit"});
  ASSERT_TRUE(m);
  EXPECT_EQ(*m,
            "unknown command 'lsit' for 'runnel dataset'; did you mean `list`?\n"
            "run `runnel dataset --help` for its commands");
}

TEST(UnknownCommand, AGroupWithoutACommandListsItsCommands) {
  Tree t;
  auto m = t.message({"-w", "x", "dataset"});
  ASSERT_TRUE(m);
  EXPECT_EQ(*m,
            "'runnel dataset' needs a command: list, show\n"
            "run `runnel dataset --help` for what each does");
  // A group that does not require one, an option after the group, or the top level: CLI11's
  // own message stands.
  EXPECT_FALSE(t.message({"runs"}));
  EXPECT_FALSE(t.message({"dataset", "--bogus"}));
  EXPECT_FALSE(t.message({"-w"}));
}

TEST(UnknownCommand, KnownCommandsAndTheirArgumentsAreNotFlagged) {
  Tree t;
  EXPECT_FALSE(t.message({"run", "foo.yml"}));
  EXPECT_FALSE(t.message({"dataset", "show", "lsit"}));
  EXPECT_FALSE(t.message({"--workspace=x", "init"}));
  EXPECT_EQ(t.message({}).value_or(""),
            "'runnel' needs a command, such as init, run, runs, job\n"
            "run `runnel --help` for the commands");
  EXPECT_FALSE(t.message({"--", "foo"}));
}

}  // namespace
}  // namespace runnel::cli
