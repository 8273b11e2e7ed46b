#ifndef MOCKCONVEX_CLIBEVENT_SHIM_H
#define MOCKCONVEX_CLIBEVENT_SHIM_H

/* Swift's Glibc module is built with _GNU_SOURCE; the system headers libevent pulls in must see
   the same feature macros, or clang finds two different definitions of fd_set. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>

#endif
