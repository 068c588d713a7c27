#include "core/sha256.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "runnel/error.h"

namespace runnel {
namespace {

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, StreamingEqualsOneShotAndResets) {
  Sha256 h;
  std::string million(1000000, 'a');
  for (size_t i = 0; i < million.size(); i += 4093) {
    h.update(std::string_view(million).substr(i, 4093));
  }
  EXPECT_EQ(h.finish().hex(), sha256_hex(million));
  h.update("abc");  // finish() reset the hasher
  EXPECT_EQ(h.finish(), sha256("abc"));
}

TEST(Sha256Test, HexRoundTripAndBadHex) {
  Digest d = sha256("abc");
  EXPECT_EQ(Digest::from_hex(d.hex()), d);
  EXPECT_EQ(Digest::from_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
            d);
  EXPECT_THROW(Digest::from_hex("abc"), Error);
  EXPECT_THROW(Digest::from_hex(std::string(64, 'g')), Error);
  EXPECT_TRUE(Digest{}.is_zero());
  EXPECT_FALSE(d.is_zero());
}

TEST(Sha256Test, FileDigestEqualsDigestOfContent) {
  char tmpl[] = "/tmp/runnel-sha256-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::string content;
  for (int i = 0; i < 3 * 1024 * 1024 + 17; ++i) content.push_back(static_cast<char>(i * 31));
  for (size_t size : {size_t{0}, size_t{1}, size_t{1} << 20, content.size()}) {
    std::string path = dir + "/f" + std::to_string(size);
    std::ofstream(path, std::ios::binary) << content.substr(0, size);
    EXPECT_EQ(sha256_file(path), sha256(std::string_view(content).substr(0, size))) << size;
  }
  std::filesystem::remove_all(dir);
}

TEST(Sha256Test, MissingFileIsIoErrorNamingThePath) {
  try {
    sha256_file("/nonexistent/runnel/file.bin");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/runnel/file.bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace runnel
