#include "sip/SipMessage.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sip/NameAddr.hpp"

namespace rtcgate::sip {
namespace {

const std::string kSdp =
    "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
    "t=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

std::string invite(const std::string& extra = "") {
  return "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7;rport\r\n"
         "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK1, SIP/2.0/TCP "
         "[2001:db8::1];branch=z9hG4bK2\r\n"
         "Max-Forwards: 70\r\n"
         "To: Bob <sip:bob@biloxi.example.com>\r\n"
         "From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
         "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
         "CSeq: 314159 INVITE\r\n"
         "Contact: <sip:alice@192.0.2.1;transport=ws;ob>;expires=60, \"x,y\" <sip:b@c>\r\n"
         "X-Weird  :   keep   me \t exactly\r\n"
         "Record-Route: <sip:p1.example.com;lr>\r\n" +
         extra +
         "Content-Type: application/sdp\r\n"
         "Content-Length: " +
         std::to_string(kSdp.size()) + "\r\n\r\n" + kSdp;
}

SipMessage mustParse(const std::string& text) {
  auto m = SipMessage::parse(text);
  EXPECT_TRUE(m.ok()) << (m ? "" : m.error());
  if (!m) std::abort();
  return std::move(m).value();
}

TEST(SipMessage, ParsesRequestEssentials) {
  auto m = mustParse(invite());
  EXPECT_TRUE(m.isRequest());
  EXPECT_EQ(m.method(), Method::Invite);
  EXPECT_EQ(m.methodText(), "INVITE");
  EXPECT_EQ(m.requestUri(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(m.callId(), "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(m.cseq(), 314159u);
  EXPECT_EQ(m.cseqMethod(), Method::Invite);
  EXPECT_EQ(m.fromTag(), "1928301774");
  EXPECT_EQ(m.toTag(), "");
  EXPECT_EQ(m.maxForwards(), 70);
  EXPECT_EQ(m.topVia().transport, "WSS");
  EXPECT_EQ(m.topVia().branch(), "z9hG4bKnashds7");
  EXPECT_EQ(m.body(), kSdp);
}

TEST(SipMessage, SplitsListHeadersButNotQuotedCommas) {
  auto m = mustParse(invite());
  EXPECT_EQ(m.count(HeaderId::Via), 3u);
  auto vias = m.all(HeaderId::Via);
  EXPECT_EQ(vias[1], "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK1");
  EXPECT_EQ(vias[2], "SIP/2.0/TCP [2001:db8::1];branch=z9hG4bK2");
  auto contacts = m.all(HeaderId::Contact);
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_EQ(contacts[1], "\"x,y\" <sip:b@c>");
  EXPECT_EQ(m.count(HeaderId::From), 1u);  // From is not a list: its quoted comma stays
  auto from = parseNameAddr(m.find(HeaderId::From)->value);
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(from->displayName, "\"Alice, A.\"");
}

TEST(SipMessage, LookupByNameAndCompactForm) {
  auto m = mustParse(invite());
  ASSERT_NE(m.find("x-weird"), nullptr);
  EXPECT_EQ(m.find("x-weird")->value, "keep   me \t exactly");
  EXPECT_EQ(m.find("x-weird")->name, "X-Weird");
  EXPECT_EQ(m.find("call-id"), m.find(HeaderId::CallId));
  EXPECT_EQ(m.find("i"), m.find(HeaderId::CallId));
  EXPECT_EQ(m.find("X-Absent"), nullptr);
  EXPECT_EQ(m.find(HeaderId::Expires), nullptr);
}

TEST(SipMessage, UntouchedSerializeIsByteExact) {
  const std::string text = invite();
  auto m = mustParse(text);
  EXPECT_EQ(m.serialize(), text);
}

TEST(SipMessage, CompactAndFoldedHeadersPreservedByteExact) {
  const std::string text =
      "OPTIONS sip:a@b.example SIP/2.0\r\n"
      "v: SIP/2.0/UDP h.example;branch=z9hG4bKa,\r\n  SIP/2.0/UDP g.example;branch=z9hG4bKb\r\n"
      "f: <sip:c@d>;tag=1\r\nt: <sip:a@b.example>\r\ni: cid\r\n"
      "CSeq: 1\r\n\tOPTIONS\r\nX-Folded: one\r\n two\r\n"
      "Content-Length: 0\r\n\r\n";
  auto m = mustParse(text);
  EXPECT_EQ(m.count(HeaderId::Via), 2u);
  EXPECT_EQ(m.cseqMethod(), Method::Options);
  EXPECT_EQ(m.find("X-Folded")->value, "one\r\n two");
  EXPECT_EQ(m.serialize(), text);
}

TEST(SipMessage, ResponseParsing) {
  auto m = mustParse(
      "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nTo: <sip:b@c>;tag=t1\r\n"
      "From: <sip:a@c>;tag=f1\r\nCall-ID: x\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(m.isResponse());
  EXPECT_EQ(m.statusCode(), 180);
  EXPECT_EQ(m.reasonPhrase(), "Ringing");
  EXPECT_EQ(m.method(), Method::Invite);
  EXPECT_EQ(m.toTag(), "t1");
  auto noReason = mustParse(
      "SIP/2.0 100 \r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nTo: <sip:b@c>\r\n"
      "From: <sip:a@c>;tag=f1\r\nCall-ID: x\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(noReason.reasonPhrase(), "");
}

TEST(SipMessage, DatagramFraming) {
  const std::string base = invite();
  auto trailing = mustParse(base + "garbage after the body");
  EXPECT_EQ(trailing.body(), kSdp);  // RFC 3261 18.3: extra octets discarded
  EXPECT_EQ(trailing.serialize(), base);
  auto cut = SipMessage::parse(base.substr(0, base.size() - 1));
  ASSERT_FALSE(cut.ok());
  EXPECT_STREQ(cut.error(), "Content-Length exceeds data");
  // No Content-Length: the rest of the datagram is the body.
  auto noLength = mustParse(
      "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nTo: <sip:b@c>\r\n"
      "From: <sip:a@c>;tag=1\r\nCall-ID: x\r\nCSeq: 2 MESSAGE\r\n\r\nhello");
  EXPECT_EQ(noLength.body(), "hello");
  EXPECT_EQ(noLength.find(HeaderId::ContentLength), nullptr);
  EXPECT_NE(noLength.serialize().find("Content-Length: 5\r\n\r\nhello"), std::string::npos);
  // Leading CRLFs are ignored (RFC 3261 7.5).
  EXPECT_TRUE(SipMessage::parse("\r\n\r\n" + base).ok());
}

TEST(SipMessage, EditsAndReparse) {
  auto m = mustParse(invite());
  m.prependHeader(HeaderId::Via, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy1;rport");
  m.prependHeader(HeaderId::RecordRoute, "<sip:proxy.example.com;lr>");
  m.setRequestUri("sip:bob@192.0.2.99:5080");
  m.setHeader(HeaderId::MaxForwards, "69");
  m.appendHeader("X-Added", "yes");
  EXPECT_EQ(m.topVia().host, "proxy.example.com");
  EXPECT_EQ(m.maxForwards(), 69);

  const std::string wire = m.serialize();
  auto re = mustParse(wire);
  EXPECT_EQ(re.requestUri(), "sip:bob@192.0.2.99:5080");
  EXPECT_EQ(re.count(HeaderId::Via), 4u);
  EXPECT_EQ(re.topVia().branch(), "z9hG4bKproxy1");
  EXPECT_EQ(re.maxForwards(), 69);
  auto rr = re.all(HeaderId::RecordRoute);
  ASSERT_EQ(rr.size(), 2u);
  EXPECT_EQ(rr[0], "<sip:proxy.example.com;lr>");
  EXPECT_EQ(re.find("X-Added")->value, "yes");
  EXPECT_EQ(re.body(), kSdp);
  // Untouched headers are still there byte for byte.
  EXPECT_NE(wire.find("X-Weird  :   keep   me \t exactly\r\n"), std::string::npos);
  EXPECT_NE(wire.find("From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"),
            std::string::npos);
  EXPECT_NE(wire.find("Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK1, SIP/2.0/TCP "
                      "[2001:db8::1];branch=z9hG4bK2\r\n"),
            std::string::npos);
  // The proxy's Via went on top, Record-Route before the first existing one.
  EXPECT_EQ(wire.find("Via: SIP/2.0/UDP proxy.example.com"), wire.find("\r\n") + 2);
  EXPECT_LT(wire.find("Record-Route: <sip:proxy"), wire.find("Record-Route: <sip:p1"));
}

TEST(SipMessage, RemovingOneElementOfASharedLine) {
  auto m = mustParse(invite());
  m.removeFirst(HeaderId::Via);
  m.removeFirst(HeaderId::Via);  // first element of the two-element line
  EXPECT_EQ(m.count(HeaderId::Via), 1u);
  EXPECT_EQ(m.topVia().transport, "TCP");
  const std::string wire = m.serialize();
  EXPECT_EQ(wire.find("z9hG4bK1"), std::string::npos);
  EXPECT_NE(wire.find("Via: SIP/2.0/TCP [2001:db8::1];branch=z9hG4bK2\r\n"), std::string::npos);
  auto re = mustParse(wire);
  EXPECT_EQ(re.count(HeaderId::Via), 1u);
}

TEST(SipMessage, RemoveAllAndSetBody) {
  auto m = mustParse(invite());
  m.removeAll(HeaderId::Contact);
  m.setBody("", "");
  EXPECT_EQ(m.find(HeaderId::Contact), nullptr);
  EXPECT_EQ(m.find(HeaderId::ContentType), nullptr);
  auto re = mustParse(m.serialize());
  EXPECT_EQ(re.body(), "");
  EXPECT_EQ(re.find(HeaderId::ContentLength)->value, "0");
  m.setBody("new body", "text/plain");
  auto re2 = mustParse(m.serialize());
  EXPECT_EQ(re2.body(), "new body");
  EXPECT_EQ(re2.find(HeaderId::ContentType)->value, "text/plain");
}

TEST(SipMessage, PrependWithoutExistingGoesAfterLastVia) {
  auto m = mustParse(
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nTo: <sip:b@c>\r\n"
      "From: <sip:a@c>;tag=1\r\nCall-ID: x\r\nCSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n");
  m.prependHeader(HeaderId::Route, "<sip:r@x;lr>");
  ASSERT_GE(m.headers().size(), 2u);
  EXPECT_EQ(m.headers()[1].id, HeaderId::Route);
}

TEST(SipMessage, MakeResponseCopiesDialogHeaders) {
  auto req = mustParse(invite());
  auto resp = req.makeResponse(486, "Busy Here", "srvtag");
  EXPECT_TRUE(resp.isResponse());
  EXPECT_EQ(resp.statusCode(), 486);
  EXPECT_EQ(resp.reasonPhrase(), "Busy Here");
  EXPECT_EQ(resp.count(HeaderId::Via), 3u);
  EXPECT_EQ(resp.callId(), req.callId());
  EXPECT_EQ(resp.cseq(), req.cseq());
  EXPECT_EQ(resp.method(), Method::Invite);
  EXPECT_EQ(resp.fromTag(), req.fromTag());
  EXPECT_EQ(resp.toTag(), "srvtag");
  EXPECT_EQ(resp.body(), "");
  EXPECT_EQ(resp.find(HeaderId::Contact), nullptr);
  // Serialized response parses again; a To that has a tag keeps it.
  auto again = mustParse(resp.serialize());
  EXPECT_EQ(again.toTag(), "srvtag");
  auto second = again.makeResponse(200, "OK", "other");
  EXPECT_EQ(second.toTag(), "srvtag");
}

TEST(SipMessage, CloneIsDeepAndIndependent) {
  auto m = mustParse(invite());
  m.setHeader(HeaderId::MaxForwards, "10");
  SipMessage copy = m.clone();
  m.setRequestUri("sip:changed@x");
  m.removeAll(HeaderId::Via);
  EXPECT_EQ(copy.requestUri(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(copy.count(HeaderId::Via), 3u);
  EXPECT_EQ(copy.maxForwards(), 10);
  EXPECT_EQ(copy.callId(), "a84b4c76e66710@pc33.atlanta.example.com");
  {
    SipMessage temp = copy.clone();
    copy = std::move(temp);
  }
  auto re = mustParse(copy.serialize());
  EXPECT_EQ(re.maxForwards(), 10);
  EXPECT_EQ(re.body(), kSdp);
}

TEST(SipMessage, ParseErrorStatus) {
  EXPECT_EQ(statusForParseError(kErrorBadVersion), 505);
  EXPECT_EQ(statusForParseError(kErrorUnknownMethodMismatch), 501);
  EXPECT_EQ(statusForParseError("Bad CSeq"), 400);
}

}  // namespace
}  // namespace rtcgate::sip
