// Out-of-line helpers that need feature macros; the rest live static inline in include/CLinux.h.
#define _GNU_SOURCE
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "CLinux.h"

int waystone_accept4(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

struct waystone_udp_batch {
    int count;
    int slot_size;
    struct mmsghdr *messages;
    struct iovec *vectors;
    struct sockaddr_storage *names;
    unsigned char *data;
};

waystone_udp_batch *waystone_udp_batch_create(int count, int slot_size) {
    if (count <= 0 || slot_size <= 0) return NULL;
    waystone_udp_batch *batch = calloc(1, sizeof *batch);
    if (!batch) return NULL;
    batch->count = count;
    batch->slot_size = slot_size;
    batch->messages = calloc((size_t)count, sizeof *batch->messages);
    batch->vectors = calloc((size_t)count, sizeof *batch->vectors);
    batch->names = calloc((size_t)count, sizeof *batch->names);
    batch->data = malloc((size_t)count * (size_t)slot_size);
    if (!batch->messages || !batch->vectors || !batch->names || !batch->data) {
        waystone_udp_batch_destroy(batch);
        return NULL;
    }
    for (int i = 0; i < count; i++) {
        batch->vectors[i].iov_base = batch->data + (size_t)i * (size_t)slot_size;
        batch->vectors[i].iov_len = (size_t)slot_size;
        batch->messages[i].msg_hdr.msg_iov = &batch->vectors[i];
        batch->messages[i].msg_hdr.msg_iovlen = 1;
        batch->messages[i].msg_hdr.msg_name = &batch->names[i];
    }
    return batch;
}

void waystone_udp_batch_destroy(waystone_udp_batch *batch) {
    if (!batch) return;
    free(batch->messages);
    free(batch->vectors);
    free(batch->names);
    free(batch->data);
    free(batch);
}

int waystone_udp_batch_recv(int fd, waystone_udp_batch *batch) {
    for (int i = 0; i < batch->count; i++) {
        batch->vectors[i].iov_len = (size_t)batch->slot_size;
        batch->messages[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
        batch->messages[i].msg_hdr.msg_flags = 0;
        batch->messages[i].msg_len = 0;
    }
    int received;
    do {
        received = recvmmsg(fd, batch->messages, (unsigned int)batch->count, MSG_DONTWAIT, NULL);
    } while (received < 0 && errno == EINTR);
    return received;
}

unsigned char *waystone_udp_batch_data(waystone_udp_batch *batch, int index) {
    return batch->data + (size_t)index * (size_t)batch->slot_size;
}

int waystone_udp_batch_length(const waystone_udp_batch *batch, int index) {
    return (int)batch->messages[index].msg_len;
}

const struct sockaddr_storage *waystone_udp_batch_name(const waystone_udp_batch *batch, int index) {
    return &batch->names[index];
}

int waystone_udp_batch_truncated(const waystone_udp_batch *batch, int index) {
    return (batch->messages[index].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

int waystone_udp_batch_set(waystone_udp_batch *batch, int index, const void *data, int length,
                           const struct sockaddr *address, socklen_t address_length) {
    if (index < 0 || index >= batch->count || length < 0 || length > batch->slot_size) return -1;
    if (address_length > sizeof(struct sockaddr_storage)) return -1;
    memcpy(batch->data + (size_t)index * (size_t)batch->slot_size, data, (size_t)length);
    batch->vectors[index].iov_len = (size_t)length;
    memcpy(&batch->names[index], address, address_length);
    batch->messages[index].msg_hdr.msg_namelen = address_length;
    batch->messages[index].msg_hdr.msg_flags = 0;
    return 0;
}

int waystone_udp_batch_send(int fd, waystone_udp_batch *batch, int count) {
    int next = 0, delivered = 0;
    while (next < count) {
        int result = sendmmsg(fd, batch->messages + next, (unsigned int)(count - next), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (result < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;  // socket buffer full: the rest is lost (UDP)
            next += 1;  // this datagram failed (e.g. an ICMP error reported now): skip it, send the others
            continue;
        }
        if (result == 0) break;
        next += result;
        delivered += result;
    }
    return delivered;
}
