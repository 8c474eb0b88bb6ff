#include "ng/Bencode.hpp"

#include <gtest/gtest.h>

namespace rtcgate::ng {
namespace {

TEST(Bencode, DecodesPing) {
  auto value = Bencode::decode("d7:command4:pinge");
  ASSERT_TRUE(value.ok()) << value.error();
  EXPECT_TRUE(value->isDict());
  EXPECT_EQ(value->stringAt("command"), "ping");
}

TEST(Bencode, RoundTripsNestedValuesInInsertionOrder) {
  const std::string text = "d1:zi-42e1:al2:xy0:i0ee1:md1:k1:vee";
  auto value = Bencode::decode(text);
  ASSERT_TRUE(value.ok()) << value.error();
  EXPECT_EQ(value->keys()[0], "z");
  EXPECT_EQ(value->find("z")->integerValue(), -42);
  EXPECT_EQ(value->find("a")->size(), 3u);
  EXPECT_EQ(Bencode::encode(*value), text);
}

TEST(Bencode, StringsAreBinarySafe) {
  const std::string text("5:a\r\n\0b", 7);
  auto value = Bencode::decode(text);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->str(), std::string_view("a\r\n\0b", 5));
}

TEST(Bencode, RejectsMalformedInput) {
  for (const char* bad :
       {"", "d", "d7:command", "i12", "i-0e", "i012e", "03:abc", "5:abc", "di1e1:ae", "x", "le1:a",
        "d7:command4:pingee", "i1x2e", "4294967297:a"}) {
    EXPECT_FALSE(Bencode::decode(bad).ok()) << bad;
  }
}

TEST(Bencode, LimitsNestingDepth) {
  std::string deep(100, 'l');
  deep += std::string(100, 'e');
  EXPECT_FALSE(Bencode::decode(deep).ok());
  std::string shallow(10, 'l');
  shallow += std::string(10, 'e');
  EXPECT_TRUE(Bencode::decode(shallow).ok());
}

TEST(Bencode, FirstDuplicateKeyWins) {
  auto value = Bencode::decode("d1:a1:x1:a1:ye");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->stringAt("a"), "x");
}

TEST(Value, NumbersMayArriveAsStrings) {
  EXPECT_EQ(*Value("20").number(), 20);
  EXPECT_EQ(*Value::integer(7).number(), 7);
  EXPECT_FALSE(Value("2x").number().ok());
  EXPECT_FALSE(Value("").number().ok());
}

}  // namespace
}  // namespace rtcgate::ng
