#ifndef MOCKCONVEX_CWSLAY_SHIM_H
#define MOCKCONVEX_CWSLAY_SHIM_H
/* System headers first, as in CLibevent's shim, so that clang sees the system types under the
   same feature macros as Swift's Glibc module. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include <wslay/wslay.h>
#endif
