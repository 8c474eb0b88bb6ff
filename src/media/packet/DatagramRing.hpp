#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/Timers.hpp"
#include "media/packet/Datagram.hpp"
#include "media/packet/PeerAddress.hpp"

struct io_uring;
struct io_uring_buf_ring;
struct io_uring_cqe;
struct io_uring_sqe;

namespace rtcgate::media {

// A media worker's packet I/O on io_uring. Each watched socket has one multishot recvmsg that
// lands its datagrams in a ring of provided buffers; forwarded packets leave as sendmsg entries
// submitted together with the next wait. With epoll every packet costs a recvmmsg and a sendmmsg
// of its own (each arrives on, and leaves by, a different socket, so nothing batches); here one
// io_uring_enter per wake-up carries every socket's packets both ways.
//
// One thread owns the ring (the worker's). A receiver must send or release the datagram it is
// handed before returning: buffers go back to the kernel at the end of each dispatch.
class DatagramRing {
 public:
  static constexpr std::size_t kBufferSize = 2048;
  static constexpr unsigned kBuffers = 512;

  class Receiver {
   public:
    virtual void onDatagram(Datagram& datagram) = 0;
    // The socket's receive ended with `error` (a connected socket's ECONNREFUSED, say); it is
    // armed again unless the kernel keeps refusing it.
    virtual void onReceiveError(int error) = 0;

   protected:
    ~Receiver() = default;
  };

  // Told how each send ended (the relay's counters).
  class SendObserver {
   public:
    virtual void onSent(std::size_t bytes) = 0;
    virtual void onSendFailed() = 0;

   protected:
    ~SendObserver() = default;
  };

  using Slot = std::uint32_t;

  // Null, with the kernel's reason in `error`, where io_uring is unavailable (kernel too old,
  // disabled by sysctl, refused by a container's seccomp profile).
  static std::unique_ptr<DatagramRing> create(std::string& error);
  ~DatagramRing();
  DatagramRing(const DatagramRing&) = delete;
  DatagramRing& operator=(const DatagramRing&) = delete;

  void observeSends(SendObserver* observer) { observer_ = observer; }
  void forgetObserver(const SendObserver* observer) {
    if (observer_ == observer) observer_ = nullptr;
  }

  // Starts receiving `fd`'s datagrams; unwatch() stops it before the caller closes the socket
  // (synchronously: the port can be bound again at once).
  Slot watch(int fd, Receiver& receiver);
  void unwatch(Slot slot);
  // Reports `fd` readable through dispatch()'s result (the loop's epoll set: control sockets,
  // timers' wake-ups and posted work stay on epoll).
  void watchReadiness(int fd);

  // Queues `datagram` (its possibly rewritten bytes) to `to` from socket `fd`, or to the peer `fd`
  // is connected to when `to` is null; its buffer returns to the ring when the send completes.
  void send(int fd, const Datagram& datagram, const PeerAddress* to);
  void release(const Datagram& datagram);

  // Hands what is queued to the kernel now; sends on a socket about to change (disconnect) go out
  // as they were queued.
  void submit();
  // Submits what is queued and waits up to `timeout` for a completion.
  void wait(Duration timeout);
  // Hands every completion to its receiver; true if the readiness descriptor fired.
  bool dispatch();

 private:
  struct Watch {
    Receiver* receiver = nullptr;  // null once unwatched
    int fd = -1;
    bool armed = false;     // its multishot recvmsg is in the kernel
    unsigned failures = 0;  // receives ended in error since the last datagram
  };
  struct Outgoing {
    msghdr message{};
    iovec iov{};
    sockaddr_in6 to{};
  };

  DatagramRing();
  bool open(std::string& error);
  bool hasMultishotReceive(std::string& error);
  bool provideBuffers(std::string& error);
  void arm(Slot slot);
  void armReadiness();
  void onReceived(const io_uring_cqe& cqe);
  void onSendDone(const io_uring_cqe& cqe);
  void recycle(std::uint16_t buffer);
  io_uring_sqe* nextEntry();

  std::unique_ptr<io_uring> ring_;
  bool open_ = false;
  io_uring_buf_ring* bufferRing_ = nullptr;
  std::uint8_t* buffers_ = nullptr;
  unsigned recycled_ = 0;  // buffers added since the last advance
  msghdr receiveTemplate_{};
  std::vector<Outgoing> outgoing_;
  std::vector<Watch> watches_;
  std::vector<Slot> freeSlots_;
  std::vector<Slot> rearm_;     // receives that ended, to arm again after the dispatch
  std::vector<Slot> rearming_;  // being armed (both keep their capacity: no allocation)
  int readinessFd_ = -1;
  bool readinessArmed_ = false;
  SendObserver* observer_ = nullptr;
};

}  // namespace rtcgate::media
