/*
 * err: the project's error codes. Functions return 0 or a negative code from this list;
 * vigil_strerror() turns a code into words. Codes below -VIGIL_ERRNO_BASE wrap errno values,
 * so a failed open() can be returned as vigil_errno(errno) and still be described.
 */
#ifndef VIGIL_ERR_H
#define VIGIL_ERR_H

enum {
    VIGIL_OK = 0,
    VIGIL_ENOMEM = 1,  /* out of memory */
    VIGIL_E2BIG = 2,   /* input or output larger than its limit */
    VIGIL_EINVAL = 3,  /* malformed input */
    VIGIL_ENOENT = 4,  /* no such item */
    VIGIL_EEXIST = 5,  /* already exists */
    VIGIL_ERANGE = 6,  /* value out of range */
    VIGIL_EIO = 7,     /* read or write failed */
    VIGIL_EFULL = 8,   /* a fixed-size table is full */
    VIGIL_ENOTSUP = 9, /* not supported here */
    VIGIL_ERRNO_BASE = 1000,
};

/* Wraps a positive errno value as a vigil error code. */
static inline int vigil_errno(int e)
{
    return -(VIGIL_ERRNO_BASE + (e > 0 ? e : 0));
}

/* Returns a static description of code (a negative vigil code, or 0). */
const char *vigil_strerror(int code);

#endif
