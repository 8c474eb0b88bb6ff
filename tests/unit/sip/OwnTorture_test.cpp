// Our own torture messages in the spirit of RFC 4475: each mutates one thing of a valid request
// and checks that parse() accepts or refuses it with the expected reason.
#include <gtest/gtest.h>

#include <string>

using namespace std::string_literals;

#include "sip/MessageLimits.hpp"
#include "sip/SipMessage.hpp"

namespace rtcgate::sip {
namespace {

struct Parts {
  std::string startLine = "OPTIONS sip:user@example.com SIP/2.0";
  std::string via = "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKabc\r\n";
  std::string to = "To: <sip:user@example.com>\r\n";
  std::string from = "From: <sip:caller@example.net>;tag=1\r\n";
  std::string callId = "Call-ID: torture@example.net\r\n";
  std::string cseq = "CSeq: 1 OPTIONS\r\n";
  std::string extra;
  std::string tail = "Content-Length: 0\r\n\r\n";

  std::string text() const {
    return startLine + "\r\n" + via + to + from + callId + cseq + extra + tail;
  }
};

void expectRefused(const std::string& text, const char* reason) {
  auto m = SipMessage::parse(text);
  ASSERT_FALSE(m.ok()) << text;
  EXPECT_STREQ(m.error(), reason) << text;
}

void expectAccepted(const std::string& text) {
  auto m = SipMessage::parse(text);
  EXPECT_TRUE(m.ok()) << text << "\n-> " << (m ? "" : m.error());
}

TEST(OwnTorture, BaselineParses) { expectAccepted(Parts{}.text()); }

TEST(OwnTorture, MissingEssentials) {
  Parts p;
  p.via = "";
  expectRefused(p.text(), "Missing Via");
  p = Parts{};
  p.callId = "";
  expectRefused(p.text(), "Missing Call-ID");
  p = Parts{};
  p.cseq = "";
  expectRefused(p.text(), "Missing CSeq");
  p = Parts{};
  p.from = "";
  expectRefused(p.text(), "Missing From");
  p = Parts{};
  p.to = "";
  expectRefused(p.text(), "Missing To");
}

TEST(OwnTorture, CSeqNumbers) {
  Parts p;
  p.cseq = "CSeq: 2147483647 OPTIONS\r\n";
  expectAccepted(p.text());
  p.cseq = "CSeq: 2147483648 OPTIONS\r\n";  // RFC 3261 8.1.1.5: < 2^31
  expectRefused(p.text(), "Bad CSeq");
  p.cseq = "CSeq: 184467440737095516161844674407370955161 OPTIONS\r\n";
  expectRefused(p.text(), "Bad CSeq");
  p.cseq = "CSeq: -1 OPTIONS\r\n";
  expectRefused(p.text(), "Bad CSeq");
  p.cseq = "CSeq: 1\r\n";
  expectRefused(p.text(), "Bad CSeq");
  p.cseq = "CSeq: 1OPTIONS\r\n";
  expectRefused(p.text(), "Bad CSeq");
  p.cseq = "CSeq: 1 OPTIONS extra\r\n";
  expectRefused(p.text(), "Bad CSeq");
  p.cseq = "CSeq: 1 options\r\n";  // methods are case-sensitive
  expectRefused(p.text(), "CSeq method mismatch");
  p.cseq = "CSeq: 0009\r\n  OPTIONS\r\n";
  expectAccepted(p.text());
}

TEST(OwnTorture, ContentLengthNumbers) {
  Parts p;
  p.tail = "Content-Length: 18446744073709551617\r\n\r\n";
  expectRefused(p.text(), "Bad Content-Length");
  p.tail = "Content-Length: 4294967296\r\n\r\n";
  expectRefused(p.text(), "Bad Content-Length");
  p.tail = "Content-Length: 4294967295\r\n\r\n";
  expectRefused(p.text(), "Content-Length exceeds data");
  p.tail = "Content-Length: +0\r\n\r\n";
  expectRefused(p.text(), "Bad Content-Length");
  p.tail = "Content-Length: \r\n\r\n";
  expectRefused(p.text(), "Bad Content-Length");
  p.tail = "Content-Length: 2\r\nl: 2\r\n\r\nab";  // duplicates that agree are tolerated
  expectAccepted(p.text());
  p.tail = "Content-Length: 2\r\nl: 1\r\n\r\nab";
  expectRefused(p.text(), "Conflicting Content-Length");
}

TEST(OwnTorture, MaxForwards) {
  Parts p;
  p.extra = "Max-Forwards: 255\r\n";
  expectAccepted(p.text());
  p.extra = "Max-Forwards: 0000000000000000000000000000070\r\n";
  expectAccepted(p.text());
  p.extra = "Max-Forwards: 256\r\n";
  expectRefused(p.text(), "Bad Max-Forwards");
  p.extra = "Max-Forwards: seventy\r\n";
  expectRefused(p.text(), "Bad Max-Forwards");
  p.extra = "Max-Forwards: 70\r\nMax-Forwards: 70\r\n";
  expectRefused(p.text(), "Multiple Max-Forwards");
}

TEST(OwnTorture, RequestLine) {
  Parts p;
  for (const char* bad :
       {"OPTIONS\tsip:user@example.com SIP/2.0", "OPTIONS sip:user@example.com",
        "OPTIONS sip:user@example.com SIP/2.0 extra", "OPTIONS  sip:u@e SIP/2.0",
        "OPTIONS sip:u@e SIP/2.0 ", " OPTIONS sip:u@e SIP/2.0", "OPTIONS sip:u@e HTTP/1.1",
        "OPTIONS sip:u@e SIP/2", "OPT(ONS sip:u@e SIP/2.0", "OPTIONS <sip:u@e> SIP/2.0",
        "OPTIONS sip:u@e?Route=x SIP/2.0"}) {
    p.startLine = bad;
    auto m = SipMessage::parse(p.text());
    EXPECT_FALSE(m.ok()) << bad;
  }
  p.startLine = "OPTIONS sip:u@e SIP/2.1";
  expectRefused(p.text(), kErrorBadVersion);
  p.startLine = "OPTIONS sip:u@e sip/2.0";  // literal strings are case-insensitive in ABNF
  expectAccepted(p.text());
  p.startLine = "OPTIONS urn:service:sos SIP/2.0";  // another scheme: the proxy answers 416
  expectAccepted(p.text());
}

TEST(OwnTorture, StatusLine) {
  Parts p;
  p.cseq = "CSeq: 1 OPTIONS\r\n";
  for (const char* bad : {"SIP/2.0 1000 Too Big", "SIP/2.0 099 Low", "SIP/2.0 700 High",
                          "SIP/2.0 2x0 OK", "SIP/2.0  200 OK", "SIP/2.0200 OK", "SIP/2.0 "}) {
    p.startLine = bad;
    EXPECT_FALSE(SipMessage::parse(p.text()).ok()) << bad;
  }
  p.startLine = "SIP/3.0 200 OK";
  expectRefused(p.text(), kErrorBadVersion);
  p.startLine = "SIP/2.0 200";  // no reason phrase at all: tolerated
  expectAccepted(p.text());
  p.startLine = "SIP/2.0 699 \xe2\x80\x9cUTF-8\xe2\x80\x9d reason";
  expectAccepted(p.text());
}

TEST(OwnTorture, HeaderFieldSyntax) {
  Parts p;
  p.extra = "NoColonHere\r\n";
  expectRefused(p.text(), "Malformed header");
  p.extra = ": empty name\r\n";
  expectRefused(p.text(), "Malformed header");
  p.extra = "Bad Name: x\r\n";
  expectRefused(p.text(), "Malformed header");
  p.extra = "X-Empty:\r\n";
  expectAccepted(p.text());
  p.extra = "X-Nul: a\0b\r\n"s;
  expectAccepted(p.text());
  Parts folded;
  folded.startLine = "OPTIONS sip:u@e SIP/2.0\r\n continued";
  expectRefused(folded.text(), "Bad header folding");
  Parts noEnd;
  noEnd.tail = "Content-Length: 0\r\n";
  expectRefused(noEnd.text(), "Missing end of headers");
}

TEST(OwnTorture, ListHeaders) {
  Parts p;
  p.via = "Via: SIP/2.0/UDP a;branch=z9hG4bK1,,SIP/2.0/UDP b;branch=z9hG4bK2\r\n";
  expectRefused(p.text(), "Bad Via");
  p.via = "Via: SIP/2.0/UDP a;branch=z9hG4bK1 ,\r\n\tSIP/2.0/UDP b;branch=z9hG4bK2\r\n";
  expectAccepted(p.text());
  p = Parts{};
  p.extra = "Route: *\r\n";
  expectRefused(p.text(), "Bad Route");
  p.extra = "Contact: *\r\n";
  expectAccepted(p.text());
  p.extra = "Contact: \"unterminated <sip:a@b>, <sip:c@d>\r\n";
  expectRefused(p.text(), "Bad Contact");
  p.extra = "Record-Route: <sip:a@b;lr>,<sip:c@d;lr>\r\nPath: <sip:p@q;lr>\r\n";
  expectAccepted(p.text());
  p.extra = "Contact: <sip:a@b>;expires=\"Sat, 01 Jan 2000 00:00:00 GMT\", <sip:c@d>\r\n";
  auto m = SipMessage::parse(p.text());
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->count(HeaderId::Contact), 2u);
}

TEST(OwnTorture, FromToAndDates) {
  Parts p;
  p.to = "To: <sip:user@example.com>\r\nTo: <sip:other@example.com>\r\n";
  expectRefused(p.text(), "Multiple To");
  p = Parts{};
  p.from = "From: *\r\n";
  expectRefused(p.text(), "Bad From");
  p = Parts{};
  p.extra = "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n";
  expectAccepted(p.text());
  p.extra = "Date: Sat, 13 Nov 2010 23:29:00 PST\r\n";
  expectRefused(p.text(), "Bad Date");
  p = Parts{};
  p.callId = "Call-ID: two words\r\n";
  expectRefused(p.text(), "Bad Call-ID");
  p.callId = "i: only@one\r\nCall-ID: only@one\r\n";
  expectRefused(p.text(), "Multiple Call-ID");
}

TEST(OwnTorture, ManyHeadersAndLongValuesUpToTheCaps) {
  Parts p;
  for (int i = 0; i < 200; ++i) p.extra += "X-H" + std::to_string(i) + ": v\r\n";
  p.extra += "X-Long: " + std::string(8000, 'a') + "\r\n";
  p.via += "Via: " + std::string("SIP/2.0/UDP h;branch=z9hG4bKx,") + std::string("SIP/2.0/UDP h,") +
           "SIP/2.0/UDP last\r\n";
  auto m = SipMessage::parse(p.text());
  ASSERT_TRUE(m.ok()) << m.error();
  // 200 X-H, X-Long, 1 + 3 Via elements, To, From, Call-ID, CSeq, Content-Length.
  EXPECT_EQ(m->headers().size(), 200u + 1u + 4u + 5u);
  EXPECT_EQ(m->serialize(), p.text());
}

TEST(OwnTorture, ThousandsOfHeadersOrAHugeValueAreRefused) {
  Parts many;
  for (int i = 0; i < 5000; ++i) many.extra += "X-H" + std::to_string(i) + ": v\r\n";
  expectRefused(many.text(), kErrorTooManyHeaders);
  Parts huge;
  huge.extra = "X-Long: " + std::string(100000, 'a') + "\r\n";
  expectRefused(huge.text(), kErrorHeaderTooLong);
}

TEST(OwnTorture, Ipv6Everywhere) {
  Parts p;
  p.startLine = "OPTIONS sip:[2001:db8::10]:5070;transport=tcp SIP/2.0";
  p.via = "Via: SIP/2.0/UDP [2001:db8::9:1]:5060;received=[2001:db8::9:255];branch=z9hG4bKas3\r\n";
  p.extra = "Contact: \"Caller\" <sip:caller@[2001:db8::1]>\r\n";
  auto m = SipMessage::parse(p.text());
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m->topVia().host, "[2001:db8::9:1]");
  p.startLine = "OPTIONS sip:2001:db8::10 SIP/2.0";
  expectRefused(p.text(), "Bad Request-URI");
}

}  // namespace
}  // namespace rtcgate::sip
