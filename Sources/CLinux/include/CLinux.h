#ifndef WAYSTONE_CLINUX_H
#define WAYSTONE_CLINUX_H
// Linux headers and constants that Swift's importer cannot see as usable values.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <pthread.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

// epoll event bits as plain integers (glibc declares them in an enum the importer turns into a struct).
static inline uint32_t waystone_epollin(void) { return EPOLLIN; }
static inline uint32_t waystone_epollout(void) { return EPOLLOUT; }
static inline uint32_t waystone_epollerr(void) { return EPOLLERR; }
static inline uint32_t waystone_epollhup(void) { return EPOLLHUP; }
static inline uint32_t waystone_epollrdhup(void) { return EPOLLRDHUP; }
static inline int waystone_epoll_et(void) { return EPOLLET; }

// Socket types with the flags every Waystone socket carries.
static inline int waystone_sock_stream(void) { return SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC; }
static inline int waystone_sock_dgram(void) { return SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC; }
static inline int waystone_accept_flags(void) { return SOCK_NONBLOCK | SOCK_CLOEXEC; }
static inline int waystone_msg_nosignal(void) { return MSG_NOSIGNAL; }
static inline int waystone_msg_dontwait(void) { return MSG_DONTWAIT; }
static inline int waystone_efd_flags(void) { return EFD_NONBLOCK | EFD_CLOEXEC; }
static inline int waystone_sfd_flags(void) { return SFD_NONBLOCK | SFD_CLOEXEC; }
static inline int waystone_epoll_cloexec(void) { return EPOLL_CLOEXEC; }

/// Size of one record read from a signalfd.
static inline int waystone_signalfd_siginfo_size(void) { return (int)sizeof(struct signalfd_siginfo); }
/// The signal number of a signalfd record at `p` (which must hold `waystone_signalfd_siginfo_size()` bytes).
static inline int waystone_signalfd_signo(const void *p) {
    struct signalfd_siginfo info;
    memcpy(&info, p, sizeof info);
    return (int)info.ssi_signo;
}

/// Ignore SIGPIPE process-wide (sends also pass MSG_NOSIGNAL).
static inline void waystone_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

static inline int waystone_fill_sigset(sigset_t *set, const int *signals, int count) {
    if (sigemptyset(set) != 0) return -1;
    for (int i = 0; i < count; i++) {
        if (sigaddset(set, signals[i]) != 0) return -1;
    }
    return 0;
}

/// Blocks `signals` in the calling thread (threads spawned later inherit the mask). Returns 0 or an errno value.
static inline int waystone_block_signals(const int *signals, int count) {
    sigset_t set;
    if (waystone_fill_sigset(&set, signals, count) != 0) return EINVAL;
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/// Unblocks `signals` in the calling thread. Returns 0 or an errno value.
static inline int waystone_unblock_signals(const int *signals, int count) {
    sigset_t set;
    if (waystone_fill_sigset(&set, signals, count) != 0) return EINVAL;
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/// A non-blocking, close-on-exec signalfd for `signals`; -1 with errno set on failure.
static inline int waystone_signalfd(const int *signals, int count) {
    sigset_t set;
    if (waystone_fill_sigset(&set, signals, count) != 0) { errno = EINVAL; return -1; }
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC (glibc hides accept4 without _GNU_SOURCE); defined in shim.c.
int waystone_accept4(int fd, struct sockaddr *address, socklen_t *length);

/// Sends `sig` to one thread of this process.
static inline int waystone_pthread_kill(pthread_t thread, int sig) { return pthread_kill(thread, sig); }

// Batched UDP I/O (recvmmsg/sendmmsg need _GNU_SOURCE; implemented in shim.c). A batch owns `count` slots of
// `slot_size` bytes, each with its iovec and sockaddr_storage; one object serves either receiving or sending.
typedef struct waystone_udp_batch waystone_udp_batch;
waystone_udp_batch *waystone_udp_batch_create(int count, int slot_size);
void waystone_udp_batch_destroy(waystone_udp_batch *batch);
/// recvmmsg into every slot; returns the number of datagrams (0..count) or -1 with errno set.
int waystone_udp_batch_recv(int fd, waystone_udp_batch *batch);
/// The slot's data, its received length, its source address, and whether the datagram was truncated.
unsigned char *waystone_udp_batch_data(waystone_udp_batch *batch, int index);
int waystone_udp_batch_length(const waystone_udp_batch *batch, int index);
const struct sockaddr_storage *waystone_udp_batch_name(const waystone_udp_batch *batch, int index);
int waystone_udp_batch_truncated(const waystone_udp_batch *batch, int index);
/// Fills slot `index` for sending: copies `length` bytes (at most slot_size) and the destination address.
/// Returns 0, or -1 when the datagram does not fit.
int waystone_udp_batch_set(waystone_udp_batch *batch, int index, const void *data, int length,
                           const struct sockaddr *address, socklen_t address_length);
/// sendmmsg of slots 0..<count (MSG_NOSIGNAL), retrying partial sends and skipping failed datagrams; returns how
/// many were sent.
int waystone_udp_batch_send(int fd, waystone_udp_batch *batch, int count);

#endif
