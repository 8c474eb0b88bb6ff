#include "media/relay/HeapTrimmer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using rtcgate::media::HeapTrimmer;

namespace {

long residentKiB() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

TEST(HeapTrimmerTest, TrimsOncePerRelease) {
  HeapTrimmer::trimIfReleased();  // whatever an earlier test marked
  EXPECT_FALSE(HeapTrimmer::trimIfReleased());
  HeapTrimmer::noteRelease();
  EXPECT_TRUE(HeapTrimmer::trimIfReleased());
  EXPECT_FALSE(HeapTrimmer::trimIfReleased());
}

TEST(HeapTrimmerTest, ItsThreadTrimsWhatWasMarkedAndStopsPromptly) {
  HeapTrimmer trimmer(std::chrono::milliseconds(10));
  HeapTrimmer::noteRelease();
  for (int i = 0; i < 500 && trimmer.trims() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(trimmer.trims(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(trimmer.trims(), 1u) << "nothing new was marked";
}

// The premise: a heap left fragmented (most of it freed, a small block kept on each page, as
// handshake buffers around long-lived SRTP contexts leave it) stays resident until trimmed.
TEST(HeapTrimmerTest, FreedPagesBetweenLiveBlocksLeaveTheProcess) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan's allocator is not glibc's";
#endif
  constexpr int kBlocks = 40000;  // 40000 x 2 KiB = 78 MiB, below the mmap threshold each
  std::vector<char*> blocks(kBlocks);
  for (char*& block : blocks) {
    block = static_cast<char*>(std::malloc(2000));
    for (int i = 0; i < 2000; i += 512) block[i] = 1;  // resident
  }
  for (int i = 0; i < kBlocks; ++i) {
    if (i % 64 != 0) std::free(blocks[i]);  // one kept per 128 KiB
  }
  const long before = residentKiB();
  HeapTrimmer::noteRelease();
  ASSERT_TRUE(HeapTrimmer::trimIfReleased());
  const long after = residentKiB();
  EXPECT_LT(after, before - 40 * 1024) << "before " << before << " KiB, after " << after;
  for (int i = 0; i < kBlocks; i += 64) std::free(blocks[i]);
}
