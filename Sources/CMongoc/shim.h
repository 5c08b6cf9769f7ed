#ifndef EDAL_CMONGOC_SHIM_H
#define EDAL_CMONGOC_SHIM_H
#include <mongoc/mongoc.h>
#endif
