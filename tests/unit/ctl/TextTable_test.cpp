#include "ctl/TextTable.hpp"

#include <gtest/gtest.h>

namespace rtcgate::ctl {
namespace {

TEST(TextTableTest, PadsColumnsToTheWidestCellAndTrimsLineEnds) {
  TextTable table({"AOR", "TRANSPORT", "UA"});
  table.addRow({"sip:alice@example.com", "wss", "JsSIP"});
  table.addRow({"bob", "udp"});  // a missing cell is empty
  EXPECT_EQ(table.render(),
            "AOR                    TRANSPORT  UA\n"
            "sip:alice@example.com  wss        JsSIP\n"
            "bob                    udp\n");
}

TEST(TextTableTest, CountsUtf8CharactersNotBytesAndFlattensNewlines) {
  TextTable table({"NAME", "X"});
  table.addRow({"Ren\xC3\xA9", "1"});
  table.addRow({"a\nb", "2"});
  EXPECT_EQ(table.render(),
            "NAME  X\n"
            "Ren\xC3\xA9  1\n"
            "a b   2\n");
}

TEST(TextTableTest, ExtraCellsWidenTheTable) {
  TextTable table({"A"});
  EXPECT_TRUE(table.empty());
  table.addRow({"1", "2"});
  EXPECT_FALSE(table.empty());
  EXPECT_EQ(table.render(), "A\n1  2\n");
}

}  // namespace
}  // namespace rtcgate::ctl
