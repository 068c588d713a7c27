#include "core/ignore.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace runnel {
namespace {

IgnoreMatcher make(std::string_view text) {
  IgnoreMatcher m;
  m.add_lines(text);
  return m;
}

TEST(GlobMatchTest, Wildmatch) {
  EXPECT_TRUE(glob_match("*.py", "train.py"));
  EXPECT_FALSE(glob_match("*.py", "src/train.py"));  // '*' does not cross '/'
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "a/c"));
  EXPECT_TRUE(glob_match("[abc]x", "bx"));
  EXPECT_FALSE(glob_match("[abc]x", "dx"));
  EXPECT_TRUE(glob_match("[a-c]x", "cx"));
  EXPECT_TRUE(glob_match("[!a-c]x", "dx"));
  EXPECT_FALSE(glob_match("[!a-c]x", "ax"));
  EXPECT_TRUE(glob_match("[^a-c]x", "dx"));
  EXPECT_TRUE(glob_match("[[:digit:]]*", "7z"));
  EXPECT_FALSE(glob_match("[[:digit:]]*", "z7"));
  EXPECT_TRUE(glob_match("[]]", "]"));
  EXPECT_TRUE(glob_match("\\*", "*"));
  EXPECT_FALSE(glob_match("\\*", "x"));
  EXPECT_TRUE(glob_match("**/foo", "foo"));
  EXPECT_TRUE(glob_match("**/foo", "a/b/foo"));
  EXPECT_TRUE(glob_match("abc/**", "abc/x/y"));
  EXPECT_FALSE(glob_match("abc/**", "abc"));
  EXPECT_TRUE(glob_match("a/**/b", "a/b"));
  EXPECT_TRUE(glob_match("a/**/b", "a/x/b"));
  EXPECT_TRUE(glob_match("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(glob_match("a/**/b", "a/x/c"));
  EXPECT_TRUE(glob_match("a**b", "axxb"));  // not between slashes: like '*'
  EXPECT_FALSE(glob_match("a**b", "ax/xb"));
  EXPECT_TRUE(glob_match("[ab", "[ab"));  // unclosed bracket is literal
}

TEST(IgnoreMatcherTest, CommentsBlankLinesAndEscapes) {
  IgnoreMatcher m = make("# a comment\n\n\\#notes.txt\n\\!bang\n");
  EXPECT_FALSE(m.ignored("# a comment", false));
  EXPECT_TRUE(m.ignored("#notes.txt", false));
  EXPECT_TRUE(m.ignored("!bang", false));
  EXPECT_FALSE(m.ignored("bang", false));
}

TEST(IgnoreMatcherTest, TrailingSpacesDroppedUnlessEscaped) {
  IgnoreMatcher m = make("foo   \nbar\\ \n");
  EXPECT_TRUE(m.ignored("foo", false));
  EXPECT_TRUE(m.ignored("bar ", false));
  EXPECT_FALSE(m.ignored("bar", false));
}

TEST(IgnoreMatcherTest, CarriageReturnDropped) {
  IgnoreMatcher m = make("*.log\r\n");
  EXPECT_TRUE(m.ignored("x.log", false));
}

TEST(IgnoreMatcherTest, UnanchoredNameMatchesAtAnyDepth) {
  IgnoreMatcher m = make("*.ckpt\n__pycache__\n");
  EXPECT_TRUE(m.ignored("model.ckpt", false));
  EXPECT_TRUE(m.ignored("a/b/model.ckpt", false));
  EXPECT_TRUE(m.ignored("src/__pycache__", true));
  EXPECT_TRUE(m.ignored("src/__pycache__/x.pyc", false));  // inside an ignored folder
  EXPECT_FALSE(m.ignored("model.ckpt.txt", false));
}

TEST(IgnoreMatcherTest, TrailingSlashMatchesDirectoriesOnly) {
  IgnoreMatcher m = make("data/\n");
  EXPECT_TRUE(m.ignored("data", true));
  EXPECT_FALSE(m.ignored("data", false));
  EXPECT_TRUE(m.ignored("sub/data", true));  // no other slash: any depth
  EXPECT_TRUE(m.ignored("data/x.csv", false));
}

TEST(IgnoreMatcherTest, LeadingOrMiddleSlashAnchors) {
  IgnoreMatcher m = make("/build\ndoc/frotz/\n");
  EXPECT_TRUE(m.ignored("build", true));
  EXPECT_FALSE(m.ignored("src/build", true));
  EXPECT_TRUE(m.ignored("doc/frotz", true));
  EXPECT_FALSE(m.ignored("a/doc/frotz", true));
  IgnoreMatcher star = make("doc/*.txt\n");
  EXPECT_TRUE(star.ignored("doc/a.txt", false));
  EXPECT_FALSE(star.ignored("doc/sub/a.txt", false));
}

TEST(IgnoreMatcherTest, NegationLastMatchWins) {
  IgnoreMatcher m = make("*.csv\n!keep.csv\n");
  EXPECT_TRUE(m.ignored("a.csv", false));
  EXPECT_FALSE(m.ignored("keep.csv", false));
  EXPECT_FALSE(m.ignored("sub/keep.csv", false));
  IgnoreMatcher again = make("!keep.csv\n*.csv\n");
  EXPECT_TRUE(again.ignored("keep.csv", false));
}

TEST(IgnoreMatcherTest, CannotReincludeInsideIgnoredDirectory) {
  // gitignore(5): "It is not possible to re-include a file if a parent
  // directory of that file is excluded."
  IgnoreMatcher m = make("data/\n!data/keep.txt\n");
  EXPECT_TRUE(m.ignored("data/keep.txt", false));
  // ...but "dir/*" or "dir/**" ignores the contents, not the folder, so
  // negation works.
  IgnoreMatcher contents = make("/data/*\n!/data/keep.txt\n");
  EXPECT_FALSE(contents.ignored("data", true));
  EXPECT_TRUE(contents.ignored("data/x.txt", false));
  EXPECT_FALSE(contents.ignored("data/keep.txt", false));
}

TEST(IgnoreMatcherTest, DoubleStarForms) {
  IgnoreMatcher lead = make("**/foo\n");
  EXPECT_TRUE(lead.ignored("foo", false));
  EXPECT_TRUE(lead.ignored("x/y/foo", true));
  IgnoreMatcher lead_dir = make("**/foo/bar\n");
  EXPECT_TRUE(lead_dir.ignored("foo/bar", false));
  EXPECT_TRUE(lead_dir.ignored("x/foo/bar", false));
  IgnoreMatcher trail = make("abc/**\n");
  EXPECT_FALSE(trail.ignored("abc", true));
  EXPECT_TRUE(trail.ignored("abc/d/e", false));
  EXPECT_FALSE(trail.ignored("x/abc/d", false));
  IgnoreMatcher mid = make("a/**/b\n");
  EXPECT_TRUE(mid.ignored("a/b", false));
  EXPECT_TRUE(mid.ignored("a/x/y/b", false));
  EXPECT_FALSE(mid.ignored("c/a/b", false));
}

TEST(IgnoreMatcherTest, EmptyMatcherIgnoresNothing) {
  IgnoreMatcher m;
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(m.ignored("anything/at/all", false));
}

TEST(IgnoreMatcherTest, FromRootPrefersRunnelignoreThenAmlignoreThenGitignore) {
  char tmpl[] = "/tmp/runnel-ignore-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  EXPECT_EQ(IgnoreMatcher::from_root(dir).source_file(), "");
  std::ofstream(dir + "/.gitignore") << "*.git-ignored\n";
  EXPECT_EQ(IgnoreMatcher::from_root(dir).source_file(), ".gitignore");
  EXPECT_TRUE(IgnoreMatcher::from_root(dir).ignored("a.git-ignored", false));
  std::ofstream(dir + "/.amlignore") << "*.aml-ignored\n";
  IgnoreMatcher aml = IgnoreMatcher::from_root(dir);
  EXPECT_EQ(aml.source_file(), ".amlignore");
  EXPECT_TRUE(aml.ignored("a.aml-ignored", false));
  EXPECT_FALSE(aml.ignored("a.git-ignored", false));  // only one file is read
  std::ofstream(dir + "/.runnelignore") << "*.runnel-ignored\n";
  IgnoreMatcher own = IgnoreMatcher::from_root(dir);
  EXPECT_EQ(own.source_file(), ".runnelignore");
  EXPECT_TRUE(own.ignored("a.runnel-ignored", false));
  EXPECT_FALSE(own.ignored("a.aml-ignored", false));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace runnel
