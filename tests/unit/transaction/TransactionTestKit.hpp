#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fakes/FakeTimers.hpp"
#include "sip/SipMessage.hpp"
#include "transaction/TransactionLayer.hpp"

namespace rtcgate::transaction::test {

// One event the layer reported to its TU, with the message (re-serialized) when there is one.
struct UserEvent {
  std::string kind;  // "request", "ack", "cancel", "response", "stray", "timeout", ...
  TransactionId tx = 0;
  TransactionId other = 0;  // onCancel: the INVITE transaction
  std::string message;
  int status = 0;
};

// Records every TU callback; a test may hook onRequest to answer synchronously.
class RecordingUser : public TransactionUser {
 public:
  void onRequest(TransactionId tx, sip::SipMessage&& request, const sip::Flow&) override {
    events.push_back({"request", tx, 0, request.serialize(), 0});
    if (onRequestHook) onRequestHook(tx, request);
  }
  void onAck(sip::SipMessage&& ack, const sip::Flow&) override {
    events.push_back({"ack", 0, 0, ack.serialize(), 0});
  }
  void onCancel(TransactionId tx, TransactionId invite, sip::SipMessage&& cancel,
                const sip::Flow&) override {
    events.push_back({"cancel", tx, invite, cancel.serialize(), 0});
  }
  void onResponse(TransactionId tx, sip::SipMessage&& response, const sip::Flow&) override {
    events.push_back({"response", tx, 0, response.serialize(), response.statusCode()});
    if (onResponseHook) onResponseHook(tx, response);
  }
  void onStrayResponse(sip::SipMessage&& response, const sip::Flow&) override {
    events.push_back({"stray", 0, 0, response.serialize(), response.statusCode()});
  }
  void onTimeout(TransactionId tx) override { events.push_back({"timeout", tx, 0, {}, 0}); }
  void onTransportError(TransactionId tx) override {
    events.push_back({"transport-error", tx, 0, {}, 0});
  }
  void onAckTimeout(TransactionId tx) override { events.push_back({"ack-timeout", tx, 0, {}, 0}); }
  void onTerminated(TransactionId tx, std::uint64_t /*userData*/) override {
    terminated.push_back(tx);
  }

  std::size_t count(const std::string& kind) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.kind == kind;
    return n;
  }
  const UserEvent* last(const std::string& kind) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->kind == kind) return &*it;
    }
    return nullptr;
  }

  std::vector<UserEvent> events;
  std::vector<TransactionId> terminated;
  std::function<void(TransactionId, sip::SipMessage&)> onRequestHook;
  std::function<void(TransactionId, sip::SipMessage&)> onResponseHook;
};

struct SentMessage {
  sip::Flow flow;
  std::string bytes;
};

inline SocketAddress address(const char* host, std::uint16_t port) {
  return *SocketAddress::parse(host, port);
}

inline sip::Flow udpFlow() {
  return {sip::Transport::Udp, address("127.0.0.1", 5060), address("192.0.2.10", 40000), 0};
}
inline sip::Flow tcpFlow() {
  return {sip::Transport::Tcp, address("127.0.0.1", 5060), address("192.0.2.10", 40001), 77};
}
inline sip::Flow udpDestination() {
  return {sip::Transport::Udp, address("127.0.0.1", 5060), address("198.51.100.7", 5060), 0};
}
inline sip::Flow tcpDestination() {
  return {sip::Transport::Tcp, address("127.0.0.1", 5060), address("198.51.100.7", 5060), 91};
}

// A request as a UAC or upstream proxy would send it.
struct RequestSpec {
  std::string method = "INVITE";
  std::string via = "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKupstream1";
  std::string requestUri = "sip:bob@example.test";
  std::string toTag;
  std::string fromTag = "a1";
  std::string callId = "call-1@192.0.2.10";
  std::uint32_t cseq = 1;
  std::string cseqMethod;  // defaults to method
  std::vector<std::string> routes;
  std::vector<std::string> extraHeaders;  // "Name: value"
};

inline std::string requestText(const RequestSpec& spec) {
  std::string text = spec.method + " " + spec.requestUri + " SIP/2.0\r\n";
  text += "Via: " + spec.via + "\r\n";
  for (const auto& route : spec.routes) text += "Route: " + route + "\r\n";
  text += "Max-Forwards: 70\r\n";
  text += "From: \"Alice\" <sip:alice@example.test>;tag=" + spec.fromTag + "\r\n";
  text += "To: <sip:bob@example.test>";
  if (!spec.toTag.empty()) text += ";tag=" + spec.toTag;
  text += "\r\nCall-ID: " + spec.callId + "\r\n";
  text += "CSeq: " + std::to_string(spec.cseq) + " " +
          (spec.cseqMethod.empty() ? spec.method : spec.cseqMethod) + "\r\n";
  for (const auto& header : spec.extraHeaders) text += header + "\r\n";
  text += "Contact: <sip:alice@192.0.2.10:5070>\r\nContent-Length: 0\r\n\r\n";
  return text;
}

inline sip::SipMessage parse(std::string text) {
  auto message = sip::SipMessage::parse(std::move(text));
  EXPECT_TRUE(message.ok()) << (message.ok() ? "" : message.error());
  return std::move(message).value();
}

inline sip::SipMessage request(const RequestSpec& spec) { return parse(requestText(spec)); }

// A response to the request in `bytes` (as a downstream UAS would write it), through a real parse.
inline sip::SipMessage responseTo(const std::string& bytes, int status, std::string_view reason,
                                  std::string_view toTag = {}) {
  sip::SipMessage original = parse(bytes);
  return parse(original.makeResponse(status, reason, toTag).serialize());
}

inline int statusOf(const std::string& bytes) {
  sip::SipMessage message = parse(bytes);
  return message.isResponse() ? message.statusCode() : 0;
}

inline std::string methodOf(const std::string& bytes) {
  sip::SipMessage message = parse(bytes);
  return message.isRequest() ? std::string(message.methodText()) : std::string();
}

class TransactionTest : public ::testing::Test {
 protected:
  TransactionTest() { makeLayer(); }

  void makeLayer(TimerValues values = {}) {
    layer_ = std::make_unique<TransactionLayer>(
        timers_,
        [this](const sip::Flow& flow, std::string_view bytes) {
          sent_.push_back({flow, std::string(bytes)});
          return sendOk_;
        },
        user_, values);
  }

  void advance(std::int64_t ms) { timers_.advance(Duration{ms}); }

  // Sends `spec` through the layer as the TU would: with a fresh branch pushed on top.
  TransactionId sendClient(RequestSpec spec, const sip::Flow& destination) {
    const std::string transport = destination.transport == sip::Transport::Udp ? "UDP" : "TCP";
    spec.via = "SIP/2.0/" + transport + " 127.0.0.1:5060;branch=" + layer_->newBranch() + ";rport";
    auto id = layer_->sendRequest(request(spec), destination);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error());
    return id.ok() ? id.value() : 0;
  }

  std::size_t sentCount(const std::string& methodOrStatus) const {
    std::size_t n = 0;
    for (const auto& s : sent_) {
      sip::SipMessage m = parse(s.bytes);
      const std::string what =
          m.isRequest() ? std::string(m.methodText()) : std::to_string(m.statusCode());
      n += what == methodOrStatus;
    }
    return n;
  }

  rtcgate::testing::FakeTimers timers_;
  std::vector<SentMessage> sent_;
  bool sendOk_ = true;
  RecordingUser user_;
  std::unique_ptr<TransactionLayer> layer_;
};

}  // namespace rtcgate::transaction::test
