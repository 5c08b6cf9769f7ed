#ifndef EDAL_CSQLITE_SHIM_H
#define EDAL_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
