// Out-of-line helpers that need feature macros; the rest live static inline in include/CLinux.h.
#define _GNU_SOURCE
#include <sys/socket.h>
#include "CLinux.h"

int waystone_accept4(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
