#ifndef MOCKCONVEX_CSQLITE_SHIM_H
#define MOCKCONVEX_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
