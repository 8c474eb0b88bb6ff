#include "ng/NgRequest.hpp"

#include <gtest/gtest.h>

#include "ng/Bencode.hpp"

namespace rtcgate::ng {
namespace {

Result<NgRequest> parseText(std::string_view text) {
  auto value = Bencode::decode(text);
  if (!value) return Error{value.error()};
  return NgRequest::parse(*value);
}

Value kamailioOffer() {
  Value dict = Value::dict();
  dict.set("supports", Value::list()).push("load limit");
  dict.set("sdp", "v=0\r\n");
  dict.set("call-id", "abc");
  dict.set("from-tag", "ft");
  Value& flags = dict.set("flags", Value::list());
  flags.push("trust-address");
  flags.push("no-such-flag");
  dict.set("replace", Value::list()).push("origin");
  dict.items().back().push("session-connection");
  dict.set("rtcp-mux", Value::list()).push("demux");
  dict.set("ICE", "remove");
  dict.set("transport-protocol", "RTP/AVP");
  Value& receivedFrom = dict.set("received-from", Value::list());
  receivedFrom.push("IP4");
  receivedFrom.push("127.0.0.1");
  dict.set("command", "offer");
  Value& codec = dict.set("codec", Value::dict());
  codec.set("strip", Value::list()).push("PCMU");
  codec.set("mask", Value::list()).push("opus");
  dict.set("via-branch", "z9hG4bK1");
  dict.set("label", "caller");
  return dict;
}

TEST(NgRequest, ParsesKamailioOffer) {
  auto request = NgRequest::parse(kamailioOffer());
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->command, Command::Offer);
  EXPECT_EQ(request->callId, "abc");
  EXPECT_EQ(request->fromTag, "ft");
  EXPECT_EQ(request->viaBranch, "z9hG4bK1");
  EXPECT_EQ(request->label, "caller");
  EXPECT_TRUE(request->trustAddress);
  EXPECT_TRUE(request->replaceOrigin);
  EXPECT_TRUE(request->replaceSessionConnection);
  EXPECT_TRUE(request->rtcpMux.demux);
  EXPECT_EQ(request->ice, IceMode::Remove);
  EXPECT_EQ(request->transportProtocol, "RTP/AVP");
  EXPECT_EQ(request->receivedFromAddress, "127.0.0.1");
  ASSERT_EQ(request->codec.strip.size(), 1u);
  EXPECT_EQ(request->codec.strip[0], "pcmu");
  EXPECT_EQ(request->codec.mask[0], "opus");
  ASSERT_EQ(request->warnings.size(), 1u);
  EXPECT_NE(request->warningText().find("no-such-flag"), std::string::npos);
}

TEST(NgRequest, ParsesTranscodeInEveryForm) {
  Value dict = Value::dict();
  dict.set("command", "offer");
  dict.set("call-id", "c");
  dict.set("from-tag", "f");
  dict.set("sdp", "v=0\r\n");
  dict.set("codec", Value::dict()).set("transcode", Value::list()).push("PCMU");
  Value& flags = dict.set("flags", Value::list());
  flags.push("codec-transcode-G722");
  flags.push("transcode-opus");
  flags.push("codec-transcode=PCMA");
  auto request = NgRequest::parse(dict);
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->codec.transcode, (std::vector<std::string>{"pcmu", "g722", "opus", "pcma"}));
  EXPECT_TRUE(request->warnings.empty()) << request->warningText();
}

TEST(NgRequest, AcceptsKeySpellingsAndStringNumbers) {
  auto request = parseText("d7:command6:delete7:call id1:x8:from_tag1:f12:delete delay1:5e");
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->callId, "x");
  EXPECT_EQ(request->fromTag, "f");
  EXPECT_EQ(request->deleteDelay.value_or(-1), 5);
  auto list = parseText("d7:command4:list5:limiti3ee");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->limit, 3);
}

TEST(NgRequest, ParsesRtppFlagsString) {
  auto request = parseText(
      "d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp3:v=010:rtpp-flags"
      "71:trust-address replace-origin rtcp-mux-offer ICE=force RTP/SAVPF label=xe");
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_TRUE(request->trustAddress);
  EXPECT_TRUE(request->replaceOrigin);
  EXPECT_TRUE(request->rtcpMux.offer);
  EXPECT_EQ(request->ice, IceMode::Force);
  EXPECT_EQ(request->transportProtocol, "RTP/SAVPF");
  EXPECT_EQ(request->label, "x");
  EXPECT_EQ(request->warningText().find("interface"), std::string::npos) << request->warningText();
}

TEST(NgRequest, WebRtcShortcut) {
  auto request =
      parseText("d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp3:v=05:flagsl6:WebRTCee");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->transportProtocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_TRUE(request->rtcpMux.require);
  EXPECT_EQ(request->ice, IceMode::Force);
}

TEST(NgRequest, MissingKeysGetRtpengineErrors) {
  EXPECT_STREQ(parseText("d4:call1:xe").error(), "Dictionary contains no key \"command\"");
  EXPECT_STREQ(parseText("d7:command3:fooe").error(), "Unrecognized command");
  EXPECT_STREQ(parseText("d7:command5:offere").error(), "No call-id in message");
  EXPECT_STREQ(parseText("d7:command5:offer7:call-id1:xe").error(), "No from-tag in message");
  EXPECT_STREQ(parseText("d7:command5:offer7:call-id1:x8:from-tag1:fe").error(),
               "No SDP body in message");
  EXPECT_STREQ(parseText("d7:command6:answer7:call-id1:x8:from-tag1:f3:sdp1:ve").error(),
               "No to-tag in message");
  EXPECT_STREQ(parseText("d7:command5:querye").error(), "No call-id in message");
  EXPECT_STREQ(NgRequest::parse(Value("x")).error(), "Could not decode bencode dictionary");
}

TEST(NgRequest, WrongValueTypesAreWarningsNotCrashes) {
  auto request = parseText("d7:command4:ping5:flags1:x7:replacei1e5:codec1:x7:call-idi3ee");
  ASSERT_TRUE(request.ok());
  EXPECT_GE(request->warnings.size(), 2u);
}

// rtpengine's interface keys: `direction` [sender, recipient], `from-interface`/`to-interface`
// for one slot each, `interface` for both (read by CallNegotiator).
TEST(NgRequest, ReadsTheInterfaceKeys) {
  Value dict = kamailioOffer();
  dict.set("direction", Value::list()).push("pub");
  dict.find("direction")->push("priv");
  auto request = NgRequest::parse(dict);
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->direction, (std::vector<std::string>{"pub", "priv"}));
  EXPECT_EQ(request->warningText().find("interface"), std::string::npos) << request->warningText();

  dict = kamailioOffer();
  dict.set("to-interface", "priv");
  request = NgRequest::parse(dict);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->direction, (std::vector<std::string>{"", "priv"}));
  dict.set("from-interface", "pub");
  request = NgRequest::parse(dict);
  EXPECT_EQ(request->direction, (std::vector<std::string>{"pub", "priv"}));
  EXPECT_EQ(request->warningText().find("interface"), std::string::npos) << request->warningText();

  auto single = parseText("d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp3:v=09:interface3:pube");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->interface, "pub");
  EXPECT_TRUE(single->direction.empty());
}

}  // namespace
}  // namespace rtcgate::ng
