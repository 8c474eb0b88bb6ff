#include "dns/AresDnsClient.hpp"

#include <ares.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <utility>

#include "base/HostPort.hpp"
#include "base/SocketAddress.hpp"
#include "dns/AnswerDecoder.hpp"

namespace rtcgate::dns {

// One socket c-ares opened: watched by the loop for what c-ares asked for, never closed by us.
struct AresDnsClient::Watch {
  explicit Watch(boost::asio::io_context& io) : descriptor(io) {}
  boost::asio::posix::stream_descriptor descriptor;
  bool wantRead = false;
  bool wantWrite = false;
  bool readArmed = false;  // an async_wait is outstanding
  bool writeArmed = false;
};

// One query in flight: c-ares holds it as its callback argument.
struct AresDnsClient::Pending {
  AresDnsClient* client;
  RecordType type;
  Callback done;
};

namespace {

constexpr int kClassIn = 1;
constexpr std::uint16_t kDnsPort = 53;

int initLibrary() {  // once per process, before the first channel
  static const int status = ares_library_init(ARES_LIB_INIT_ALL);
  return status;
}

// A configured server as c-ares' list wants it ("192.0.2.1:53", "[2001:db8::1]:53"); nullopt
// when it is not an IP literal with a valid port.
std::optional<std::string> serverEntry(std::string_view text) {
  const auto hostPort = HostPort::parse(text);
  if (!hostPort || hostPort->port == std::uint16_t{0}) return std::nullopt;
  const auto address = SocketAddress::parse(hostPort->host, hostPort->port.value_or(kDnsPort));
  if (!address) return std::nullopt;
  return address->toString();
}

struct BadServer {
  std::string entry;
};

Result<std::string, BadServer> serverList(const std::vector<std::string>& servers) {
  std::string list;
  for (const auto& server : servers) {
    const auto entry = serverEntry(server);
    if (!entry) return BadServer{server};
    if (!list.empty()) list += ',';
    list += *entry;
  }
  return list;
}

DnsAnswer failed(const char* error) {
  DnsAnswer answer;
  answer.status = DnsAnswer::Status::Failed;
  answer.error = error;
  return answer;
}

}  // namespace

Result<std::unique_ptr<AresDnsClient>, std::string> AresDnsClient::create(
    boost::asio::io_context& io, const AresDnsOptions& options) {
  const auto servers = serverList(options.servers);
  if (!servers) {
    return "DNS server '" + servers.error().entry + "' is not an IP address with an optional port";
  }
  if (const int status = initLibrary(); status != ARES_SUCCESS) {
    return std::string("c-ares: ") + ares_strerror(status);
  }
  std::unique_ptr<AresDnsClient> client(new AresDnsClient(io));
  ares_options settings{};
  settings.sock_state_cb = &AresDnsClient::onSocketState;
  settings.sock_state_cb_data = client.get();
  settings.timeout =
      static_cast<int>(std::max<std::chrono::milliseconds::rep>(1, options.timeout.count()));
  settings.tries = std::max(1, options.tries);
  ares_channel channel = nullptr;
  int status = ares_init_options(&channel, &settings,
                                 ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
  if (status != ARES_SUCCESS) return std::string("c-ares: ") + ares_strerror(status);
  client->channel_ = channel;
  if (!servers->empty()) {
    status = ares_set_servers_ports_csv(channel, servers->c_str());
    if (status != ARES_SUCCESS) {
      return "DNS servers '" + *servers + "': " + ares_strerror(status);
    }
  }
  return client;
}

AresDnsClient::AresDnsClient(boost::asio::io_context& io) : io_(io), timer_(io) {}

AresDnsClient::~AresDnsClient() {
  alive_.reset();
  // Calls every query's callback with ARES_EDESTRUCTION (dropped in onAnswer) and reports each
  // socket closed (released in watchSocket) before closing it.
  if (channel_ != nullptr) ares_destroy(channel_);
  for (auto& [fd, watch] : watches_) watch->descriptor.release();  // in case one was not reported
}

void AresDnsClient::query(std::string_view name, RecordType type, Callback done) {
  ++stats_.queriesSent;
  if (name.find('\0') != std::string_view::npos) {  // c-ares would ask for the part before it
    count(failed("bad name"), false);
    deliver(std::move(done), failed("bad name"));
    return;
  }
  const std::string terminated(name);
  // c-ares may answer from inside ares_query (a name it cannot encode): onAnswer posts either way.
  ares_query(channel_, terminated.c_str(), kClassIn, static_cast<int>(type), &onAnswer,
             new Pending{this, type, std::move(done)});
  rescheduleTimer();
}

void AresDnsClient::onAnswer(void* argument, int status, int /*timeouts*/, unsigned char* message,
                             int length) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(argument));
  if (status == ARES_EDESTRUCTION) return;  // the client is being destroyed: no callback
  DnsAnswer answer = message != nullptr && length > 0 ? decodeAnswer(pending->type, message, length)
                                                      : failed(ares_strerror(status));
  pending->client->count(answer, status == ARES_ETIMEOUT);
  pending->client->deliver(std::move(pending->done), std::move(answer));
}

void AresDnsClient::count(const DnsAnswer& answer, bool timedOut) {
  switch (answer.status) {
    case DnsAnswer::Status::Ok:
      ++stats_.answersOk;
      break;
    case DnsAnswer::Status::NoData:
      ++stats_.answersNoData;
      break;
    case DnsAnswer::Status::NoName:
      ++stats_.answersNoName;
      break;
    case DnsAnswer::Status::Failed:
      ++stats_.answersFailed;
      break;
  }
  if (timedOut) ++stats_.timeouts;
}

// Always through the loop: `done` never runs inside query() or inside c-ares, and not at all once
// the client is gone.
void AresDnsClient::deliver(Callback done, DnsAnswer answer) {
  boost::asio::post(io_, [alive = std::weak_ptr<int>(alive_), done = std::move(done),
                          answer = std::move(answer)]() mutable {
    if (!alive.expired()) done(std::move(answer));
  });
}

void AresDnsClient::onSocketState(void* client, int fd, int readable, int writable) {
  static_cast<AresDnsClient*>(client)->watchSocket(fd, readable != 0, writable != 0);
}

void AresDnsClient::watchSocket(int fd, bool readable, bool writable) {
  auto found = watches_.find(fd);
  if (!readable && !writable) {
    // c-ares closes the socket right after: hand the descriptor back first (pending waits end
    // with operation_aborted and find their Watch gone).
    if (found != watches_.end()) {
      found->second->descriptor.release();
      watches_.erase(found);
    }
    return;
  }
  if (found == watches_.end()) {
    auto watch = std::make_shared<Watch>(io_);
    boost::system::error_code error;
    (void)watch->descriptor.assign(fd, error);  // the error is in `error`
    if (error) {
      // Not watched: its queries end by the timer (ARES_ETIMEOUT) instead of hanging.
      spdlog::warn("dns: cannot watch c-ares socket {}: {}", fd, error.message());
      return;
    }
    found = watches_.emplace(fd, std::move(watch)).first;
  }
  found->second->wantRead = readable;
  found->second->wantWrite = writable;
  arm(found->second);
}

void AresDnsClient::arm(const std::shared_ptr<Watch>& watch) {
  using Descriptor = boost::asio::posix::stream_descriptor;
  // The handlers hold the Watch weakly: it is gone once c-ares closed the socket or the client
  // was destroyed, and then they touch nothing.
  auto waitFor = [this, &watch](Descriptor::wait_type type, bool read) {
    watch->descriptor.async_wait(
        type, [this, weak = std::weak_ptr<Watch>(watch), read](boost::system::error_code error) {
          if (!error) return onReady(weak, read);
          if (const auto alive = weak.lock()) (read ? alive->readArmed : alive->writeArmed) = false;
        });
  };
  if (watch->wantRead && !watch->readArmed) {
    watch->readArmed = true;
    waitFor(Descriptor::wait_read, true);
  }
  if (watch->wantWrite && !watch->writeArmed) {
    watch->writeArmed = true;
    waitFor(Descriptor::wait_write, false);
  }
}

void AresDnsClient::onReady(const std::weak_ptr<Watch>& weak, bool read) {
  const auto watch = weak.lock();
  if (!watch) return;
  (read ? watch->readArmed : watch->writeArmed) = false;
  const int fd = watch->descriptor.native_handle();
  if (read ? watch->wantRead : watch->wantWrite) {
    ares_process_fd(channel_, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
  }
  // c-ares may have closed the socket meanwhile (and even reused its number).
  const auto found = watches_.find(fd);
  if (found != watches_.end() && found->second == watch) arm(watch);
  rescheduleTimer();
}

// One timer for c-ares' retransmissions and timeouts, set to what ares_timeout says is next.
void AresDnsClient::rescheduleTimer() {
  timeval next{};
  if (ares_timeout(channel_, nullptr, &next) == nullptr) {
    timer_.cancel();
    return;
  }
  timer_.expires_after(std::chrono::seconds(next.tv_sec) + std::chrono::microseconds(next.tv_usec));
  timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code error) {
    if (error || alive.expired()) return;
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    rescheduleTimer();
  });
}

}  // namespace rtcgate::dns
