// Unit tests of objstore's pieces that need no server (the servers are in tests/e2e).
#include <gtest/gtest.h>

#include "objstore/crypto.h"
#include "objstore/http.h"
#include "objstore/ops.h"
#include "objstore/stores.h"
#include "objstore/xml.h"
#include "runnel/error.h"

namespace runnel::objstore {
namespace {

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Base64RoundTripAndMd5) {
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(base64_decode("aGVsbG8=", "t"), "hello");
  EXPECT_EQ(base64_decode("aGVsbG8h", "t"), "hello!");
  EXPECT_THROW(base64_decode("abc", "t"), Error);
  EXPECT_EQ(md5_b64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
}

TEST(Http, UrlEncode) {
  EXPECT_EQ(url_encode("a b/c+d", true), "a%20b/c%2Bd");
  EXPECT_EQ(url_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(url_for_message("http://h/c/b?sv=1&sig=SECRET"), "http://h/c/b");
}

TEST(Azure, AccountUrlForms) {
  AzureConfig c;
  c.account_name = "acct";
  EXPECT_EQ(c.account_url(), "https://acct.blob.core.windows.net");
  c.protocol = "http";
  c.endpoint = "127.0.0.1:10000";
  EXPECT_EQ(c.account_url(), "http://127.0.0.1:10000/acct");
  c.endpoint = "http://localhost:10000/devstoreaccount1";
  EXPECT_EQ(c.account_url(), "http://localhost:10000/devstoreaccount1");
}

TEST(Xml, RecordsFlattenNestedFields) {
  std::string xml =
      "<?xml version=\"1.0\"?><EnumerationResults><Blobs><Blob><Name>a/b.csv</Name><Properties>"
      "<Content-Length>12</Content-Length><Etag>\"0x1\"</Etag></Properties></Blob><Blob><Name>c</"
      "Name>"
      "</Blob></Blobs><NextMarker>m2</NextMarker></EnumerationResults>";
  auto r = xml_records(xml, "Blob", "test");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0]["Name"], "a/b.csv");
  EXPECT_EQ(r[0]["Content-Length"], "12");
  EXPECT_EQ(xml_text(xml, "NextMarker", "test"), "m2");
  EXPECT_EQ(xml_text(xml, "Missing", "test"), "");
  EXPECT_THROW(xml_records("not xml <", "Blob", "test"), Error);
  EXPECT_EQ(xml_escape("a<&>"), "a&lt;&amp;&gt;");
}

TEST(Errors, StatusesMapToCodesWithoutSecrets) {
  try {
    throw_http_error("listing x", 403, "<Error><Code>AuthenticationFailed</Code></Error>");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("AuthenticationFailed"), std::string::npos);
  }
  EXPECT_THROW(throw_http_error("x", 404, ""), Error);
}

// A destination's recorded state: the same objects in any order and under any folder give
// the same digest; a changed ETag, size, MD5, name, or one object more or less changes it.
TEST(ListingState, DigestIsOrderFreeAndCatchesEveryChange) {
  ObjectInfo a{.key = "dst/a.csv", .size = 3, .etag = "e1", .content_md5 = "m1"};
  ObjectInfo b{.key = "dst/sub/b.csv", .size = 5, .etag = "e2"};
  std::string d = listing_state_digest({a, b}, "dst");
  EXPECT_EQ(d.size(), 64u);
  EXPECT_EQ(listing_state_digest({b, a}, "dst/"), d);
  ObjectInfo a2 = a, b2 = b;
  a2.key = "other/a.csv";
  b2.key = "other/sub/b.csv";
  EXPECT_EQ(listing_state_digest({a2, b2}, "other"), d);
  auto changed = [&](auto edit) {
    ObjectInfo x = a;
    edit(x);
    return listing_state_digest({x, b}, "dst") != d;
  };
  EXPECT_TRUE(changed([](ObjectInfo& x) { x.etag = "e9"; }));
  EXPECT_TRUE(changed([](ObjectInfo& x) { x.size = 4; }));
  EXPECT_TRUE(changed([](ObjectInfo& x) { x.content_md5 = ""; }));
  EXPECT_TRUE(changed([](ObjectInfo& x) { x.version_id = "v2"; }));
  EXPECT_TRUE(changed([](ObjectInfo& x) { x.key = "dst/A.csv"; }));
  EXPECT_NE(listing_state_digest({a}, "dst"), d);
  EXPECT_NE(listing_state_digest({a, b, ObjectInfo{.key = "dst/c", .size = 0}}, "dst"), d);
  // A single object named by the path itself.
  EXPECT_NE(listing_state_digest({ObjectInfo{.key = "dst", .size = 3}}, "dst"),
            listing_state_digest({}, "dst"));
}

}  // namespace
}  // namespace runnel::objstore
