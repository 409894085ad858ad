/* err: descriptions for the project's error codes. */
#include "core/err.h"

#include <string.h>

const char *vigil_strerror(int code)
{
    if (code <= -VIGIL_ERRNO_BASE)
        return strerror(-code - VIGIL_ERRNO_BASE);
    switch (-code) {
    case VIGIL_OK:
        return "success";
    case VIGIL_ENOMEM:
        return "out of memory";
    case VIGIL_E2BIG:
        return "too large";
    case VIGIL_EINVAL:
        return "malformed input";
    case VIGIL_ENOENT:
        return "not found";
    case VIGIL_EEXIST:
        return "already exists";
    case VIGIL_ERANGE:
        return "out of range";
    case VIGIL_EIO:
        return "input/output error";
    case VIGIL_EFULL:
        return "table full";
    case VIGIL_ENOTSUP:
        return "not supported";
    default:
        return "unknown error";
    }
}
