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
#include <signal.h>

static inline int waystone_epoll_et(void) { return EPOLLET; }
#endif
