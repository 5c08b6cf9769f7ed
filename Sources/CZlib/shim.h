#ifndef EDAL_CZLIB_SHIM_H
#define EDAL_CZLIB_SHIM_H
#include <zlib.h>
#endif
