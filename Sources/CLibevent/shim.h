#ifndef MOCKCONVEX_CLIBEVENT_SHIM_H
#define MOCKCONVEX_CLIBEVENT_SHIM_H

/* System headers first, under the same feature macros as Swift's Glibc module.
   event2/event-config.h defines _GNU_SOURCE; system types first seen after that (fd_set's
   field is then named fds_bits instead of __fds_bits) would differ from Glibc's copy, and
   clang refuses to merge the two definitions when a Swift file sees both modules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netdb.h>

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
