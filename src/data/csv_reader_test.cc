#include "data/csv_reader.h"

#include <gtest/gtest.h>

#include <random>

#include "runnel/error.h"

namespace runnel::internal {
namespace {

std::vector<CsvRow> parse(std::string_view text, bool multi = false, char sep = ',') {
  std::vector<CsvRow> rows;
  parse_csv(text, {sep, multi}, "t.csv", [&](CsvRow&& r) {
    rows.push_back(std::move(r));
    return true;
  });
  return rows;
}

TEST(CsvReader, QuotedSeparatorsAndDoubledQuotes) {
  auto rows = parse("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(*rows[1].fields[0], "x,y");
  EXPECT_EQ(*rows[1].fields[1], "say \"hi\"");
}

TEST(CsvReader, EmptyUnquotedIsNullQuotedEmptyIsEmptyString) {
  auto rows = parse("a,,\"\"\n");
  ASSERT_EQ(rows[0].fields.size(), 3u);
  EXPECT_FALSE(rows[0].fields[1].has_value());
  EXPECT_EQ(*rows[0].fields[2], "");
}

TEST(CsvReader, KeepsSpacesAndHandlesCrlfAndNoFinalNewline) {
  auto rows = parse(" a , b\r\nc,d");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(*rows[0].fields[0], " a ");
  EXPECT_EQ(*rows[0].fields[1], " b");
  EXPECT_EQ(*rows[1].fields[1], "d");
}

TEST(CsvReader, MultiLineFieldsKeepStartLine) {
  auto rows = parse("h1,h2\n1,\"line one\nline two\"\n\n2,x\n", true);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(*rows[1].fields[1], "line one\nline two");
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[2].line, 5);  // blank line 4 skipped
}

TEST(CsvReader, QuotedNewlineWithoutMultiLineIsAnError) {
  try {
    parse("h\n\"open\nclose\"\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.csv:2:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("support_multi_line"), std::string::npos);
  }
}

TEST(CsvReader, MalformedQuotingNamesTheLine) {
  try {
    parse("a,b\n1,2\n\"x\"y,3\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.csv:3:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse("a\n\"never closed", true), Error);
}

TEST(CsvReader, OtherSeparators) {
  auto rows = parse("a;b\n1;2\n", false, ';');
  EXPECT_EQ(*rows[1].fields[1], "2");
  EXPECT_EQ(parse_separator("\\t"), '\t');
  EXPECT_THROW(parse_separator("::"), Error);
}

// Randomized property test (the libFuzzer target src/data/fuzz/csv_fuzz.cc goes deeper):
// writing random fields with RFC 4180 quoting and parsing them back gives the same fields.
TEST(CsvReader, RoundTripsRandomFields) {
  std::mt19937 rng(42);
  const std::string alphabet = "ab,\"\n\r x;\t\xC3\xA9";
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<std::vector<std::string>> table(1 + rng() % 5);
    size_t width = 1 + rng() % 4;
    std::string text;
    for (auto& row : table) {
      for (size_t c = 0; c < width; ++c) {
        std::string f;
        for (size_t k = rng() % 6; k > 0; --k) f += alphabet[rng() % alphabet.size()];
        if (f.empty()) f = "e";  // empty fields are nulls, tested above
        row.push_back(f);
        std::string q = "\"";
        for (char ch : f) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        text += (c ? "," : "") + q + "\"";
      }
      text += rng() % 2 ? "\n" : "\r\n";
    }
    auto rows = parse(text, true);
    ASSERT_EQ(rows.size(), table.size()) << text;
    for (size_t r = 0; r < rows.size(); ++r)
      for (size_t c = 0; c < width; ++c) ASSERT_EQ(*rows[r].fields[c], table[r][c]) << text;
  }
}

}  // namespace
}  // namespace runnel::internal
