// SIP message layer micro benchmarks: parse a typical WebRTC INVITE with SDP, and the proxy's
// usual parse -> add Via/Record-Route -> serialize round.
#include <benchmark/benchmark.h>

#include <string>

#include "sip/SipMessage.hpp"

namespace {

using rtcgate::sip::HeaderId;
using rtcgate::sip::SipMessage;

std::string typicalInvite() {
  const std::string sdp =
      "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "a=group:BUNDLE 0\r\na=msid-semantic: WMS stream\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\n"
      "a=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Yh7P\r\na=ice-pwd:hyiJ0Sn8XE5LVPNCnhVpg6cH\r\n"
      "a=ice-options:trickle\r\n"
      "a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:"
      "C2:43:F0:A1:58:D0:A1:2C:19:08\r\na=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
      "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
      "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
      "a=candidate:1 1 udp 2122260223 192.0.2.10 54321 typ host generation 0\r\n";
  return "INVITE sip:bob@example.com SIP/2.0\r\n"
         "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7;rport\r\n"
         "Max-Forwards: 70\r\n"
         "To: <sip:bob@example.com>\r\n"
         "From: \"Alice\" <sip:alice@example.com>;tag=8bq0ok2f4a\r\n"
         "Call-ID: 3k5n0cbh1omv2d8fq7a9\r\n"
         "CSeq: 8452 INVITE\r\n"
         "Route: <sip:gw.example.com;transport=ws;lr>\r\n"
         "Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws;ob>\r\n"
         "Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY\r\n"
         "Supported: outbound\r\n"
         "User-Agent: JsSIP 3.10.0\r\n"
         "Content-Type: application/sdp\r\n"
         "Content-Length: " +
         std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
}

void BM_ParseInvite(benchmark::State& state) {
  const std::string text = typicalInvite();
  for (auto _ : state) {
    auto m = SipMessage::parse(text);  // the copy stands for the receive buffer handed over
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseInvite);

void BM_ParseSerializeInvite(benchmark::State& state) {
  const std::string text = typicalInvite();
  std::string out;
  for (auto _ : state) {
    auto m = SipMessage::parse(text);
    out.clear();
    m->serializeTo(out);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ParseSerializeInvite);

void BM_ProxyForwardInvite(benchmark::State& state) {
  const std::string text = typicalInvite();
  std::string out;
  for (auto _ : state) {
    auto m = SipMessage::parse(text);
    m->removeFirst(HeaderId::Route);
    m->prependHeader(HeaderId::Via, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKproxy1");
    m->prependHeader(HeaderId::RecordRoute, "<sip:192.0.2.1;lr>");
    m->setHeader(HeaderId::MaxForwards, "69");
    out.clear();
    m->serializeTo(out);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ProxyForwardInvite);

}  // namespace
