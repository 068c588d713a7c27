#include "data/text_decode.h"

#include <gtest/gtest.h>

#include "runnel/error.h"

namespace runnel::internal {
namespace {

TEST(TextDecode, DropsUtf8Bom) {
  EXPECT_EQ(decode_text("\xEF\xBB\xBF"
                        "a,b\n",
                        "utf8", "f"),
            "a,b\n");
}

TEST(TextDecode, Latin1BecomesUtf8) {
  EXPECT_EQ(decode_text("caf\xE9\n", "latin1", "f"), "caf\xC3\xA9\n");
  EXPECT_EQ(decode_text("caf\xE9\n", "ISO-8859-1", "f"), "caf\xC3\xA9\n");
}

TEST(TextDecode, Windows1252EuroSign) {
  EXPECT_EQ(decode_text("\x80", "cp1252", "f"), "\xE2\x82\xAC");
}

TEST(TextDecode, InvalidUtf8NamesFileLineAndColumn) {
  try {
    decode_text("a,b\nx,caf\xE9\n", "utf8", "data.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("data.csv:2: byte 0xE9 at column 6"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("latin1"), std::string::npos);
  }
}

TEST(TextDecode, RejectsOverlongAndSurrogates) {
  EXPECT_THROW(decode_text("\xC0\xAF", "utf8", "f"), Error);
  EXPECT_THROW(decode_text("\xED\xA0\x80", "utf8", "f"), Error);
  EXPECT_EQ(decode_text("\xF0\x9F\x98\x80", "utf8", "f"), "\xF0\x9F\x98\x80");
}

TEST(TextDecode, UnknownEncodingIsAnError) { EXPECT_THROW(canonical_encoding("ebcdic"), Error); }

}  // namespace
}  // namespace runnel::internal
