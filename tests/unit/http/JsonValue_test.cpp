#include "http/JsonValue.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rtcgate::http {
namespace {

TEST(JsonValueTest, ParsesEveryTypeAndKeepsObjectOrder) {
  const auto parsed = JsonValue::parse(
      R"( {"b": [1, -2.5e1, true, false, null], "a": {"s": "x\"\\\/\n\u00e9\ud83d\ude00"}} )");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  const JsonValue& v = *parsed;
  ASSERT_TRUE(v.isObject());
  EXPECT_EQ(v.asObject()[0].first, "b");
  EXPECT_EQ(v.asObject()[1].first, "a");
  EXPECT_EQ(v["b"].size(), 5u);
  EXPECT_EQ(v["b"][0].asNumber(), 1);
  EXPECT_EQ(v["b"][1].asNumber(), -25);
  EXPECT_TRUE(v["b"][2].asBool());
  EXPECT_TRUE(v["b"][3].isBool());
  EXPECT_FALSE(v["b"][3].asBool());
  EXPECT_TRUE(v["b"][4].isNull());
  EXPECT_EQ(v["a"]["s"].asString(), "x\"\\/\n\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(JsonValueTest, MissingKeysAndWrongTypesReadAsNull) {
  const auto v = *JsonValue::parse(R"({"n": 3, "list": []})");
  EXPECT_TRUE(v["absent"].isNull());
  EXPECT_TRUE(v["n"]["deeper"].isNull());
  EXPECT_TRUE(v["list"][7].isNull());
  EXPECT_EQ(v["n"].asString(), "");
  EXPECT_EQ(v["absent"].size(), 0u);
  EXPECT_TRUE(v.has("list"));
  EXPECT_FALSE(v.has("absent"));
}

TEST(JsonValueTest, TextIsWhatAPersonReads) {
  const auto v = *JsonValue::parse(R"([12, 12.5, 1e3, "s", null, true, {"k": [1, "x"]}, -0.25])");
  EXPECT_EQ(v[0].toText(), "12");
  EXPECT_EQ(v[1].toText(), "12.5");
  EXPECT_EQ(v[2].toText(), "1000");
  EXPECT_EQ(v[3].toText(), "s");
  EXPECT_EQ(v[4].toText(), "");
  EXPECT_EQ(v[5].toText(), "true");
  EXPECT_EQ(v[6].toText(), R"({"k":[1,"x"]})");
  EXPECT_EQ(v[7].toText(), "-0.25");
  EXPECT_EQ(JsonValue("a\"b").dump(), R"("a\"b")");
}

TEST(JsonValueTest, RefusesWhatIsNotJson) {
  for (const char* bad :
       {"",          " ",         "{",           "[1,]",        "{\"a\":1,}", "{\"a\" 1}",
        "{a:1}",     "01",        "+1",          "1.",          ".5",         "1e",
        "NaN",       "Infinity",  "tru",         "nul",         "\"open",     "\"tab\there\"",
        "\"\\x\"",   "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "[1] x",      "1e999",
        "{\"a\":1}}"}) {
    EXPECT_FALSE(JsonValue::parse(bad).ok()) << bad;
  }
  std::string deep(65, '[');
  deep += std::string(65, ']');
  EXPECT_FALSE(JsonValue::parse(deep).ok());
  std::string fine(60, '[');
  fine += std::string(60, ']');
  EXPECT_TRUE(JsonValue::parse(fine).ok());
}

}  // namespace
}  // namespace rtcgate::http
