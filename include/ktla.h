/*
 * ktla.h - the whole public contract of libktla ("kernel TLS accept").
 *
 * ktla runs the server side of a TLS handshake in user space and then hands
 * the traffic keys to the Linux kernel's TLS offload (kTLS), so that the
 * record layer runs in the kernel.  Everything a caller may use is declared
 * here; nothing else in the library is part of the contract.
 *
 * Conventions
 * - Calls that can fail return 0 (or a count) on success and a negative
 *   KTLA_E_* code on failure; ktla_strerror() and ktla_err_name() describe it.
 * - Objects are opaque.  Each is created by one call and freed by the one
 *   call named beside it; strings returned by getters are owned by the object
 *   they came from and stay valid until that object is freed.
 */
#ifndef KTLA_H
#define KTLA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KTLA_EXPORT __attribute__((visibility("default")))
#else
#define KTLA_EXPORT
#endif

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/*
 * One table (lib/error.c) gives each code its name and message, so the three
 * never drift apart.  Codes are negative; 0 is success.
 */
#define KTLA_ERRNO_MAP(X)                                                     \
    X(NOMEM,     -1, "out of memory")                                         \
    X(INVAL,     -2, "invalid argument")                                      \
    X(SYSCALL,   -3, "a system call failed; errno says why")                  \
    X(NOKTLS,    -4, "the kernel offers no TLS offload")                      \
    X(UNSUPPORTED, -5, "the kernel does not accept this version or cipher")   \
    X(LOOPBACK,  -6, "could not make a loopback TCP connection for probing")

enum ktla_errno {
#define KTLA__ERR_ENUM(name, value, msg) KTLA_E_##name = (value),
    KTLA_ERRNO_MAP(KTLA__ERR_ENUM)
#undef KTLA__ERR_ENUM
};

/* A sentence describing err (a KTLA_E_* code); never NULL. */
KTLA_EXPORT const char *ktla_strerror(int err);

/* The code's name without prefix, e.g. "NOKTLS"; "UNKNOWN" for others. */
KTLA_EXPORT const char *ktla_err_name(int err);

/* The library's version string, e.g. "0.1.0". */
KTLA_EXPORT const char *ktla_version(void);

/* ------------------------------------------------------------------ */
/* Protocol versions and kernel ciphers                                */
/* ------------------------------------------------------------------ */

/* Values are the TLS wire versions. */
enum ktla_tls_version {
    KTLA_TLS_1_2 = 0x0303,
    KTLA_TLS_1_3 = 0x0304,
};

/* The AEAD ciphers the kernel's TLS offload implements. */
enum ktla_cipher {
    KTLA_CIPHER_AES_GCM_128 = 0,
    KTLA_CIPHER_AES_GCM_256,
    KTLA_CIPHER_AES_CCM_128,
    KTLA_CIPHER_CHACHA20_POLY1305,
    KTLA_CIPHER_COUNT
};

/* Which half of the record layer: what we send, or what we receive. */
enum ktla_direction {
    KTLA_DIR_TX = 0,
    KTLA_DIR_RX = 1,
};

/* "AES-GCM-128" and so on; "unknown" for values out of range. */
KTLA_EXPORT const char *ktla_cipher_name(enum ktla_cipher cipher);

/* "TLS1.2", "TLS1.3"; "unknown" for other values. */
KTLA_EXPORT const char *ktla_tls_version_name(enum ktla_tls_version version);

/* ------------------------------------------------------------------ */
/* Kernel capability probe                                             */
/* ------------------------------------------------------------------ */

/*
 * ktla_probe_run() asks the running kernel, by trying rather than by reading
 * version numbers, what it offers: whether the "tls" TCP upper-layer protocol
 * can be attached, and for each TLS version and cipher whether it accepts
 * transmit and receive keys.  It does this on throw-away TCP connections over
 * 127.0.0.1 (the loopback interface must be up), with throw-away keys.
 *
 * On success *out is a new probe result, freed with ktla_probe_free().
 * A kernel without kTLS is a successful probe whose answers are all "no",
 * each with the reason; only a probe that could not ask fails.
 *
 * Returns 0, KTLA_E_INVAL, KTLA_E_NOMEM, or KTLA_E_LOOPBACK (no loopback TCP
 * connection could be made; errno is kept).
 */
typedef struct ktla_probe ktla_probe;

KTLA_EXPORT int ktla_probe_run(ktla_probe **out);
KTLA_EXPORT void ktla_probe_free(ktla_probe *probe);

/* The kernel release (uname -r) the probe ran on. */
KTLA_EXPORT const char *ktla_probe_kernel_release(const ktla_probe *probe);

/* 1 if the "tls" ULP could be attached to a TCP socket, else 0. */
KTLA_EXPORT int ktla_probe_ulp_available(const ktla_probe *probe);

/*
 * Why the ULP could not be attached, e.g. "TLS ULP not available (ENOENT):
 * the kernel has no tls module"; NULL when it could.
 */
KTLA_EXPORT const char *ktla_probe_ulp_reason(const ktla_probe *probe);

/* 1 if the kernel accepted a key of this version, cipher and direction. */
KTLA_EXPORT int ktla_probe_key_accepted(const ktla_probe *probe, enum ktla_tls_version version,
                                        enum ktla_cipher cipher, enum ktla_direction dir);

/* Why that key was refused, with the errno name; NULL when it was accepted. */
KTLA_EXPORT const char *ktla_probe_key_reason(const ktla_probe *probe, enum ktla_tls_version version,
                                              enum ktla_cipher cipher, enum ktla_direction dir);

#ifdef __cplusplus
}
#endif

#endif /* KTLA_H */
