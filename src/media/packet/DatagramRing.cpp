#include "media/packet/DatagramRing.hpp"

#include <liburing.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace rtcgate::media {
namespace {

// What a completion is for: the low two bits of its user_data, the index above them.
enum Kind : std::uint64_t { kReceive = 0, kSend = 1, kReadiness = 2 };

std::uint64_t tag(Kind kind, std::uint64_t index) { return index << 2 | kind; }
Kind kindOf(std::uint64_t userData) { return static_cast<Kind>(userData & 3); }
std::uint64_t indexOf(std::uint64_t userData) { return userData >> 2; }

// Room for the completions of a full batch of receives and their sends without overflow.
constexpr unsigned kSubmissionEntries = 1024;
constexpr unsigned kCompletionEntries = 4 * kSubmissionEntries;
constexpr unsigned kBufferGroup = 0;
constexpr unsigned kMaxFailures = 3;  // a socket's receive ending in error this often in a row

}  // namespace

std::unique_ptr<DatagramRing> DatagramRing::create(std::string& error) {
  std::unique_ptr<DatagramRing> ring(new DatagramRing());
  if (!ring->open(error) || !ring->hasMultishotReceive(error) || !ring->provideBuffers(error))
    return nullptr;
  return ring;
}

bool DatagramRing::open(std::string& error) {
  io_uring_params params{};
  // COOP_TASKRUN: completions are reaped when the worker enters the kernel anyway, never by an
  // interrupt of its work.
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN;
  params.cq_entries = kCompletionEntries;
  int rc = io_uring_queue_init_params(kSubmissionEntries, ring_.get(), &params);
  if (rc == -EINVAL) {
    params = {};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = kCompletionEntries;
    rc = io_uring_queue_init_params(kSubmissionEntries, ring_.get(), &params);
  }
  if (rc < 0) {
    error = std::string("io_uring_setup: ") + std::strerror(-rc);
    return false;
  }
  open_ = true;
  if ((params.features & IORING_FEAT_EXT_ARG) == 0 || (params.features & IORING_FEAT_NODROP) == 0) {
    error = "io_uring of this kernel lacks EXT_ARG/NODROP (Linux 6.0 or newer is needed)";
    return false;
  }
  return true;
}

bool DatagramRing::hasMultishotReceive(std::string& error) {
  // Synchronous cancel, which unwatch() relies on, came with Linux 6.0 as did multishot recvmsg:
  // a kernel without them says EINVAL here (and ENOENT, nothing to cancel, when it has them).
  io_uring_sync_cancel_reg probe{};
  probe.addr = ~std::uint64_t{0};
  probe.fd = -1;
  if (io_uring_register_sync_cancel(ring_.get(), &probe) != -EINVAL) return true;
  error = "io_uring of this kernel lacks multishot recvmsg (Linux 6.0 or newer is needed)";
  return false;
}

bool DatagramRing::provideBuffers(std::string& error) {
  void* memory = nullptr;
  if (posix_memalign(&memory, 4096, kBuffers * sizeof(io_uring_buf)) != 0) {
    error = "cannot allocate the receive buffer ring";
    return false;
  }
  bufferRing_ = static_cast<io_uring_buf_ring*>(memory);
  if (posix_memalign(&memory, 4096, kBuffers * kBufferSize) != 0) {
    error = "cannot allocate the receive buffers";
    return false;
  }
  buffers_ = static_cast<std::uint8_t*>(memory);
  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<std::uint64_t>(bufferRing_);
  registration.ring_entries = kBuffers;
  registration.bgid = kBufferGroup;
  if (const int rc = io_uring_register_buf_ring(ring_.get(), &registration, 0); rc < 0) {
    error = std::string("io_uring provided buffers: ") + std::strerror(-rc);
    return false;
  }
  io_uring_buf_ring_init(bufferRing_);
  for (unsigned b = 0; b < kBuffers; ++b) recycle(static_cast<std::uint16_t>(b));
  io_uring_buf_ring_advance(bufferRing_, static_cast<int>(recycled_));
  recycled_ = 0;
  return true;
}

DatagramRing::DatagramRing() : ring_(std::make_unique<io_uring>()), outgoing_(kBuffers) {
  receiveTemplate_.msg_namelen = sizeof(sockaddr_in6);
}

DatagramRing::~DatagramRing() {
  if (open_) io_uring_queue_exit(ring_.get());
  std::free(bufferRing_);
  std::free(buffers_);
}

DatagramRing::Slot DatagramRing::watch(int fd, Receiver& receiver) {
  Slot slot;
  if (!freeSlots_.empty()) {
    slot = freeSlots_.back();
    freeSlots_.pop_back();
  } else {
    slot = static_cast<Slot>(watches_.size());
    watches_.emplace_back();
  }
  watches_[slot] = Watch{&receiver, fd, false, 0};
  arm(slot);
  return slot;
}

void DatagramRing::unwatch(Slot slot) {
  Watch& watch = watches_[slot];
  watch.receiver = nullptr;
  if (!watch.armed) {
    freeSlots_.push_back(slot);
    return;
  }
  // Synchronous, so the socket is no longer held by the kernel when the caller closes it. The
  // receive's last completion (-ECANCELED) frees the slot.
  io_uring_submit(ring_.get());  // an arm still queued must reach the kernel to be cancelled
  io_uring_sync_cancel_reg cancel{};
  cancel.addr = tag(kReceive, slot);
  cancel.fd = -1;
  cancel.timeout.tv_sec = -1;
  cancel.timeout.tv_nsec = -1;
  io_uring_register_sync_cancel(ring_.get(), &cancel);
}

void DatagramRing::watchReadiness(int fd) {
  readinessFd_ = fd;
  armReadiness();
}

io_uring_sqe* DatagramRing::nextEntry() {
  io_uring_sqe* entry = io_uring_get_sqe(ring_.get());
  if (entry != nullptr) return entry;
  io_uring_submit(ring_.get());  // the queue is full: hand it to the kernel and start another
  // Still null only if the kernel took none (it refuses submissions while completions it could not
  // post are pending): callers then retry after the next dispatch or drop the packet.
  return io_uring_get_sqe(ring_.get());
}

void DatagramRing::arm(Slot slot) {
  io_uring_sqe* entry = nextEntry();
  if (entry == nullptr) {
    rearm_.push_back(slot);
    return;
  }
  io_uring_prep_recvmsg_multishot(entry, watches_[slot].fd, &receiveTemplate_, 0);
  entry->flags |= IOSQE_BUFFER_SELECT;
  entry->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(entry, tag(kReceive, slot));
  watches_[slot].armed = true;
}

void DatagramRing::armReadiness() {
  io_uring_sqe* entry = nextEntry();
  readinessArmed_ = entry != nullptr;  // if not, the next dispatch tries again
  if (entry == nullptr) return;
  io_uring_prep_poll_multishot(entry, readinessFd_, POLLIN);
  io_uring_sqe_set_data64(entry, tag(kReadiness, 0));
}

void DatagramRing::send(int fd, const Datagram& datagram, const PeerAddress* to) {
  io_uring_sqe* entry = nextEntry();
  if (entry == nullptr) {
    recycle(datagram.buffer);
    if (observer_ != nullptr) observer_->onSendFailed();
    return;
  }
  Outgoing& out = outgoing_[datagram.buffer];
  out.iov = {datagram.data, datagram.length};
  out.message = {};
  if (to != nullptr) {
    std::memcpy(&out.to, &to->storage, sizeof out.to);
    out.message.msg_name = &out.to;
    out.message.msg_namelen = to->length;
  }
  out.message.msg_iov = &out.iov;
  out.message.msg_iovlen = 1;
  io_uring_prep_sendmsg(entry, fd, &out.message, MSG_DONTWAIT);
  io_uring_sqe_set_data64(entry, tag(kSend, datagram.buffer));
}

void DatagramRing::release(const Datagram& datagram) { recycle(datagram.buffer); }

void DatagramRing::recycle(std::uint16_t buffer) {
  io_uring_buf_ring_add(bufferRing_, buffers_ + std::size_t{buffer} * kBufferSize, kBufferSize,
                        buffer, io_uring_buf_ring_mask(kBuffers), static_cast<int>(recycled_++));
}

void DatagramRing::submit() { io_uring_submit(ring_.get()); }

void DatagramRing::wait(Duration timeout) {
  __kernel_timespec limit{};
  limit.tv_sec = timeout.count() / 1000;
  limit.tv_nsec = (timeout.count() % 1000) * 1000000;
  io_uring_cqe* first = nullptr;
  io_uring_submit_and_wait_timeout(ring_.get(), &first, 1, &limit, nullptr);
}

bool DatagramRing::dispatch() {
  bool ready = false;
  unsigned head;
  unsigned seen = 0;
  io_uring_cqe* cqe;
  // Receivers queue sends while this runs. Sends submitted because the queue filled up may
  // complete at once and post completions that this same loop then sees.
  io_uring_for_each_cqe(ring_.get(), head, cqe) {
    ++seen;
    switch (kindOf(cqe->user_data)) {
      case kReceive:
        onReceived(*cqe);
        break;
      case kSend:
        onSendDone(*cqe);
        break;
      case kReadiness:
        ready = true;
        if ((cqe->flags & IORING_CQE_F_MORE) == 0) readinessArmed_ = false;
        break;
    }
  }
  io_uring_cq_advance(ring_.get(), seen);
  if (recycled_ != 0) {
    io_uring_buf_ring_advance(bufferRing_, static_cast<int>(recycled_));
    recycled_ = 0;
  }
  // Ended receives are re-armed only now, with this dispatch's buffers back in the ring. (arm()
  // adds to rearm_ what it cannot arm yet.)
  rearming_.swap(rearm_);
  for (const Slot slot : rearming_) {
    if (watches_[slot].receiver != nullptr && !watches_[slot].armed) arm(slot);
  }
  rearming_.clear();
  if (!readinessArmed_ && readinessFd_ >= 0) armReadiness();
  return ready;
}

void DatagramRing::onReceived(const io_uring_cqe& cqe) {
  const auto slot = static_cast<Slot>(indexOf(cqe.user_data));
  Watch& watch = watches_[slot];
  const bool hasBuffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
  const auto buffer = static_cast<std::uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
  if ((cqe.flags & IORING_CQE_F_MORE) == 0) {
    // The multishot receive ended: cancelled (unwatch), out of buffers (-ENOBUFS) or an error.
    watch.armed = false;
    if (watch.receiver == nullptr) {
      freeSlots_.push_back(slot);
    } else if (cqe.res >= 0 || cqe.res == -ENOBUFS) {
      rearm_.push_back(slot);
    } else {
      watch.receiver->onReceiveError(-cqe.res);
      // A socket the kernel keeps refusing is left deaf (the call's media timeout ends it) rather
      // than re-armed in a loop that would spin the worker.
      if (++watch.failures <= kMaxFailures) rearm_.push_back(slot);
    }
  }
  if (!hasBuffer) return;
  std::uint8_t* base = buffers_ + std::size_t{buffer} * kBufferSize;
  auto* out = io_uring_recvmsg_validate(base, cqe.res, &receiveTemplate_);
  if (watch.receiver == nullptr || out == nullptr) {
    recycle(buffer);
    return;
  }
  watch.failures = 0;
  Datagram datagram;
  datagram.data = static_cast<std::uint8_t*>(io_uring_recvmsg_payload(out, &receiveTemplate_));
  datagram.length = io_uring_recvmsg_payload_length(out, cqe.res, &receiveTemplate_);
  datagram.capacity = static_cast<std::size_t>(base + kBufferSize - datagram.data);
  datagram.truncated = (out->flags & MSG_TRUNC) != 0;
  datagram.buffer = buffer;
  datagram.source.length = out->namelen < sizeof(sockaddr_in6)
                               ? out->namelen
                               : static_cast<socklen_t>(sizeof(sockaddr_in6));
  std::memcpy(&datagram.source.storage, io_uring_recvmsg_name(out), datagram.source.length);
  watch.receiver->onDatagram(datagram);
}

void DatagramRing::onSendDone(const io_uring_cqe& cqe) {
  recycle(static_cast<std::uint16_t>(indexOf(cqe.user_data)));
  if (observer_ == nullptr) return;
  if (cqe.res >= 0)
    observer_->onSent(static_cast<std::size_t>(cqe.res));
  else
    observer_->onSendFailed();
}

}  // namespace rtcgate::media
