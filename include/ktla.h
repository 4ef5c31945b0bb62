/* SPDX-License-Identifier: Apache-2.0 */
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
 *   they came from and stay valid until that object is freed, except the
 *   texts of the last failure: ktla_get_reason() until the next call on the
 *   connection that does not succeed, ktla_config_error() until the next
 *   setter or failed build of the configuration.  Names of constants (ktla_strerror()
 *   and the like) are static.
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
 * One table (lib/api/error.c) gives each code its name and message, so the three
 * never drift apart.  Codes are negative; 0 is success.
 */
#define KTLA_STATUS_MAP(X)                                                     \
    X(NOMEM,     -1, "out of memory")                                         \
    X(INVAL,     -2, "invalid argument")                                      \
    X(SYSCALL,   -3, "a system call failed; errno says why")                  \
    X(NOKTLS,    -4, "the kernel offers no TLS offload")                      \
    X(UNSUPPORTED, -5, "the kernel does not accept this version or cipher")   \
    X(LOOPBACK,  -6, "could not make a loopback TCP connection for probing")  \
    X(CONFIG,    -7, "the configuration is incomplete or inconsistent")       \
    X(FROZEN,    -8, "the configuration is in use and can no longer change")  \
    X(CERT,      -9, "a certificate or private key could not be loaded")      \
    X(STATE,    -10, "the call is not allowed in this connection state")      \
    X(TLS,      -11, "the TLS protocol failed; the connection's reason says why") \
    X(PARSE,    -12, "a file could not be parsed")                           \
    X(NETLINK,  -13, "a netlink request failed; errno says why")              \
    X(PERM,     -14, "permission denied: the kernel wants CAP_NET_ADMIN for this") \
    X(NOTFOUND, -15, "no such socket or network interface")

enum ktla_status {
#define KTLA__ERR_ENUM(name, value, msg) KTLA_E_##name = (value),
    KTLA_STATUS_MAP(KTLA__ERR_ENUM)
#undef KTLA__ERR_ENUM
};

/* A sentence describing err (a KTLA_E_* code); never NULL. */
KTLA_EXPORT const char *ktla_strerror(int err);

/* The code's name without prefix, e.g. "NOKTLS"; "UNKNOWN" for others. */
KTLA_EXPORT const char *ktla_err_name(int err);

/* The library's version string, e.g. "0.1.0". */
KTLA_EXPORT const char *ktla_library_version(void);

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

/* ------------------------------------------------------------------ */
/* Keys of a handshake run elsewhere                                   */
/* ------------------------------------------------------------------ */

/* The secrets of an established TLS connection, as a client or server that ran its own handshake exported them. */
struct ktla_session_keys {
    enum ktla_tls_version version;
    int ciphersuite;                      /* IANA id */
    unsigned char master_secret[48];      /* TLS 1.2 */
    unsigned char client_random[32], server_random[32];  /* TLS 1.2 */
    unsigned char client_secret[48], server_secret[48];  /* TLS 1.3 application traffic secrets */
    size_t secret_len;                    /* TLS 1.3: 32 or 48 */
    unsigned long long client_seq, server_seq;           /* next record sequence number each way */
};

/*
 * Put an established connection's record layer into the kernel: attach the
 * "tls" ULP to the TCP socket fd and install transmit and receive keys
 * derived from keys (see ktla_install_keys(3)).  is_client non-zero: TX
 * takes the client's secret and client_seq, RX the server's; zero: the
 * reverse.  keys is only read; the caller wipes it.  Returns 0 (both
 * directions in the kernel); KTLA_E_UNSUPPORTED with why filled when the
 * suite cannot be offloaded or the kernel refused the ULP (the socket is
 * untouched: go on in user space); KTLA_E_SYSCALL with errno kept and why
 * filled when the kernel refused a key after the ULP was attached (the
 * connection is unusable); KTLA_E_INVAL (also for a TLS 1.2 sequence number
 * of 0, the Finished message's: its nonce would be used again).  why may be
 * NULL.
 */
KTLA_EXPORT int ktla_install_keys(int fd, int is_client, const struct ktla_session_keys *keys, char *why,
                                  size_t why_size);

/*
 * Records on a socket after ktla_install_keys() (see ktla_recv_record(3)).
 * Data may also go with plain send(), write() and sendfile(); these calls
 * are for what needs a record type.  Each checks first that the direction
 * it uses is in kTLS and returns KTLA_E_NOKTLS (nothing sent or read) when
 * it is not, so that bytes never leave in clear.  System call failures
 * return KTLA_E_SYSCALL with errno kept (EAGAIN on a non-blocking socket
 * that is not ready; EBADMSG when a received record failed authentication).
 */

/* TLS content types (RFC 8446 5.1) as ktla_recv_record() reports them and ktla_send_record() takes them. */
enum ktla_record_type {
    KTLA_RECORD_ALERT = 21,
    KTLA_RECORD_HANDSHAKE = 22,
    KTLA_RECORD_APPLICATION_DATA = 23,
};

/* TLS alert levels (RFC 5246 7.2). */
enum ktla_alert_level {
    KTLA_ALERT_WARNING = 1,
    KTLA_ALERT_FATAL = 2,
};

/*
 * One recvmsg() of up to len bytes of one record; *record_type gets its
 * content type.  Bytes of records of different types never come in one
 * call.  flags: 0, MSG_PEEK, MSG_DONTWAIT.  Returns the byte count (0: the
 * transport ended), or a negative KTLA_E_* code.
 */
KTLA_EXPORT long ktla_recv_record(int fd, void *buf, size_t len, unsigned char *record_type, int flags);

/* Send one record of record_type (alert, handshake or application data) of 1 to 16384 bytes, whole; 0 or KTLA_E_*. */
KTLA_EXPORT int ktla_send_record(int fd, unsigned char record_type, const void *buf, size_t len);

/* Send an alert (level KTLA_ALERT_*, description from RFC 8446 6); also after a record failed authentication. */
KTLA_EXPORT int ktla_send_alert(int fd, unsigned char level, unsigned char description);

/* Send close_notify: ktla_send_alert(fd, KTLA_ALERT_WARNING, 0). */
KTLA_EXPORT int ktla_send_close_notify(int fd);

/*
 * TLS 1.3 KeyUpdate (RFC 8446 4.6.3) on a socket set up by
 * ktla_install_keys(fd, is_client, keys, ...).  keys is the same structure,
 * kept by the caller: these calls replace the secret of the direction they
 * update with the next one and set its sequence number to 0.
 *
 * ktla_send_key_update() sends a KeyUpdate (request_update 1 asks the peer
 * for one back) and installs our next transmit key.  Returns 0;
 * KTLA_E_UNSUPPORTED when this kernel cannot replace keys (before Linux
 * 6.14: nothing was sent); KTLA_E_SYSCALL (errno EAGAIN: nothing was sent,
 * call again; otherwise the connection is unusable); KTLA_E_NOKTLS;
 * KTLA_E_INVAL.
 *
 * ktla_recv_key_update() takes the peer's KeyUpdate message (the 5 bytes
 * of a handshake record ktla_recv_record() returned) and installs the
 * peer's next key for receiving.  Returns 0, or 1 when the peer asked for
 * an update: then call ktla_send_key_update(..., 0, ...) before sending
 * more.  KTLA_E_TLS when the message is malformed (why names the alert to
 * send); KTLA_E_SYSCALL when the kernel refused the key (EBUSY before Linux
 * 6.14): the connection is unusable.  why (may be NULL) says why on failure.
 */
KTLA_EXPORT int ktla_send_key_update(int fd, int is_client, struct ktla_session_keys *keys, int request_update,
                                     char *why, size_t why_size);
KTLA_EXPORT int ktla_recv_key_update(int fd, int is_client, struct ktla_session_keys *keys, const void *message,
                                     size_t len, char *why, size_t why_size);

/* ------------------------------------------------------------------ */
/* Server configuration                                                */
/* ------------------------------------------------------------------ */

/*
 * A ktla_config holds what every connection of a server shares:
 * certificates, ALPN, versions, ciphers, groups, tickets.  Build it once in
 * one thread; the first ktla_conn_new() on it freezes it (later setters
 * return KTLA_E_FROZEN), and from then on any number of threads may create
 * connections from it at once.  Free it with ktla_config_free() after the
 * last connection made from it is freed.
 *
 * Defaults: TLS 1.2 and 1.3; the ciphers the kernel can offload (AES-GCM-128,
 * AES-GCM-256, ChaCha20-Poly1305, AES-CCM-128); groups P-256, X25519, P-384;
 * session tickets on; no client certificates; no handshake timeout; kernel
 * offload whenever the kernel takes the keys.
 */
typedef struct ktla_config ktla_config;

KTLA_EXPORT int ktla_config_new(ktla_config **out);
KTLA_EXPORT void ktla_config_free(ktla_config *cfg);

/*
 * Add a certificate chain (leaf first) and its private key, PEM, from files
 * or from memory (the buffers are copied; PEM text need not be
 * NUL-terminated; in memory, DER works too: one certificate, and the key as
 * PKCS#8, SEC1 or PKCS#1).  Call it once per key type (ECDSA P-256/P-384, RSA >=
 * 2048): during each handshake the first certificate whose key the client can
 * verify, and whose names match the client's SNI when it sent one, is used.
 * key_password may be NULL.  Returns 0, KTLA_E_CERT (with a reason in
 * ktla_config_error()), KTLA_E_FROZEN, KTLA_E_NOMEM.
 */
KTLA_EXPORT int ktla_config_add_cert_file(ktla_config *cfg, const char *chain_path, const char *key_path,
                                          const char *key_password);
KTLA_EXPORT int ktla_config_add_cert_mem(ktla_config *cfg, const void *chain_pem, size_t chain_len,
                                         const void *key_pem, size_t key_len, const char *key_password);

/* ALPN protocols in server preference order, e.g. {"h2", "http/1.1"}; copied. */
KTLA_EXPORT int ktla_config_set_alpn(ktla_config *cfg, const char *const *protocols, size_t count);

/* Versions allowed; only KTLA_TLS_1_2 and KTLA_TLS_1_3 exist, min <= max. */
KTLA_EXPORT int ktla_config_set_versions(ktla_config *cfg, enum ktla_tls_version min, enum ktla_tls_version max);

/*
 * Ciphers allowed (each applies to both versions).  TLS 1.2 picks in this
 * order; in TLS 1.3 mbedTLS 3.6 takes the client's first choice among them.
 */
KTLA_EXPORT int ktla_config_set_ciphers(ktla_config *cfg, const enum ktla_cipher *ciphers, size_t count);

/*
 * Key-exchange groups, in the server's order of preference: in TLS 1.2 the
 * first one the client offers, in TLS 1.3 the first one the client sent a
 * key share for (on a socket given with ktla_set_fd(): ktla reads the
 * client's key shares before mbedTLS does; with ktla_set_io(), mbedTLS 3.6
 * takes the client's first allowed share).  A group the client sent no
 * share for is never chosen over one it did: no HelloRetryRequest unless no
 * share is allowed at all.
 */
enum ktla_group {
    KTLA_GROUP_X25519 = 0x001d,
    KTLA_GROUP_P256 = 0x0017,
    KTLA_GROUP_P384 = 0x0018,
};
KTLA_EXPORT int ktla_config_set_groups(ktla_config *cfg, const enum ktla_group *groups, size_t count);

/*
 * Session tickets.  enabled 0 turns them off.  lifetime_s is how long a
 * ticket is good for (default 7200 s); the ticket key rotates every
 * lifetime_s.  With ktla_config_set_ticket_key_file() the keys come from a
 * file of 1 to 8 keys of 36 random bytes each instead (4 name a key, 32 are
 * its AES-256-GCM key): the first seals new tickets, all of them open
 * tickets, so that servers sharing the file (and the same client
 * authentication: the keys are bound to it) resume each other's sessions
 * and rotate keys without a gap (see the man page's NOTES).  The file must
 * be private to its owner (chmod 600): one that group or others may access
 * is refused (KTLA_E_PARSE).  The file's keys serve until the config is
 * freed; to take a changed file, build a new config.
 */
KTLA_EXPORT int ktla_config_set_tickets(ktla_config *cfg, int enabled, unsigned lifetime_s);
KTLA_EXPORT int ktla_config_set_ticket_key_file(ktla_config *cfg, const char *path);

/*
 * TLS 1.3 resumption without a fresh (EC)DHE exchange (the psk_ke mode of
 * RFC 8446 4.2.9).  Off by default: every resumed TLS 1.3 session then runs
 * (EC)DHE (psk_dhe_ke), so a ticket key that leaks later does not expose it
 * (forward secrecy).  allowed 1 permits psk_ke for clients that ask for it
 * alone: cheaper, without that protection.
 */
KTLA_EXPORT int ktla_config_set_psk_ke(ktla_config *cfg, int allowed);

/*
 * Client certificates: none (default), requested, or required, verified
 * against ca_path (PEM).  REQUIRED holds on resumed sessions too: a
 * handshake never completes without a client certificate that verified
 * against this CA.  A ticket that cannot prove one is refused and the client
 * gets a full handshake with CertificateRequest instead: every TLS 1.3 ticket
 * (mbedTLS puts no certificate in them; a REQUIRED server issues none), a
 * TLS 1.2 ticket without a verified certificate, and any ticket from a
 * server with another CA or mode (the ticket key is bound to both; see
 * ktla_config_set_client_auth(3)).
 */
enum ktla_client_auth {
    KTLA_CLIENT_AUTH_NONE = 0,
    KTLA_CLIENT_AUTH_OPTIONAL,
    KTLA_CLIENT_AUTH_REQUIRED,
};
KTLA_EXPORT int ktla_config_set_client_auth(ktla_config *cfg, enum ktla_client_auth mode, const char *ca_path);

/*
 * The client side (see ktla_connect(3)).  ktla_config_new_client() makes a
 * config for ktla_connect(): the same defaults as ktla_config_new() for
 * versions, ciphers and groups, the server's certificate verified against
 * the system's trusted CAs (/etc/ssl/certs/ca-certificates.crt) unless
 * ktla_config_set_ca() names others, and no client certificate unless one
 * is added with ktla_config_add_cert_file() (the first one added is sent
 * when the server asks).  ALPN, versions, ciphers, groups, handshake
 * timeout and offload policy are set with the same setters as a server's.
 */
KTLA_EXPORT int ktla_config_new_client(ktla_config **out);

/*
 * The CAs a client trusts: a PEM file, a directory of PEM files, or both
 * (either may be NULL, not both).  Replaces the system store.  Returns 0,
 * KTLA_E_CERT (with a reason in ktla_config_error()), KTLA_E_INVAL (a server
 * config: use ktla_config_set_client_auth() there), KTLA_E_FROZEN.
 */
KTLA_EXPORT int ktla_config_set_ca(ktla_config *cfg, const char *file, const char *dir);

/*
 * Whether a client verifies the server's certificate.  KTLA_VERIFY_PEER
 * (default): the chain must verify against the trusted CAs and name the
 * server (ktla_set_server_name()), or the handshake fails with the alert
 * RFC 8446 6.2 names (bad_certificate, unknown_ca, certificate_expired...)
 * and a reason saying why.  KTLA_VERIFY_NONE accepts any certificate: it is
 * DANGEROUS (anyone on the path can read and change the traffic) and for
 * tests only.  KTLA_E_INVAL on a server config.
 */
enum ktla_verify {
    KTLA_VERIFY_PEER = 0,
    KTLA_VERIFY_NONE,
};
KTLA_EXPORT int ktla_config_set_verify(ktla_config *cfg, enum ktla_verify mode);

/*
 * External pre-shared keys (TLS 1.3, RFC 8446 2.2 and 4.2.11; see
 * ktla_config_set_psk(3)).  The key is a secret: ktla copies it, wipes its
 * copies when the config is freed, and never logs it.  Identities are 1 to
 * KTLA_PSK_MAX_IDENTITY bytes, keys 1 to KTLA_PSK_MAX_KEY bytes.
 *
 * ktla_config_set_psk(): on a client config, the one identity and key the
 * client offers; the handshake is then TLS 1.3 with that PSK only (the
 * server's certificate is neither asked for nor needed, and no server name
 * is required).  On a server config, one identity the server knows, next to
 * (or instead of) ktla_config_set_psk_lookup(); a server with a PSK needs no
 * certificate.  Calling it again replaces the identity and key.
 *
 * ktla_config_set_psk_lookup(): a server's lookup of the identity a client
 * offers.  lookup writes the identity's key into key (key_size bytes of
 * room) and returns its length, or 0 when it does not know the identity
 * (the handshake then fails: a server without certificates has no other way
 * in).  It is called from ktla_accept(), on the thread running the
 * handshake, with the config's arg; ktla wipes key after use.
 *
 * Key exchange: psk_dhe_ke ((EC)DHE with the PSK, forward secret) always;
 * psk_ke (the PSK alone) only when ktla_config_set_psk_ke() allows it.  The
 * suite's hash must be SHA-256 (RFC 8446 4.2.11: an external PSK without a
 * hash is bound to SHA-256), so TLS_AES_128_GCM_SHA256 or
 * TLS_CHACHA20_POLY1305_SHA256 is used.  TLS 1.2 PSK suites are not offered:
 * a config with a PSK and a highest version of TLS 1.2 fails to build.
 *
 * Returns 0, KTLA_E_INVAL (a length out of range, a NULL argument, a lookup
 * on a client config), KTLA_E_FROZEN.
 */
#define KTLA_PSK_MAX_IDENTITY 1024
#define KTLA_PSK_MAX_KEY 48
KTLA_EXPORT int ktla_config_set_psk(ktla_config *cfg, const void *identity, size_t identity_len, const void *key,
                                    size_t key_len);
typedef size_t (*ktla_psk_lookup_fn)(void *arg, const unsigned char *identity, size_t identity_len,
                                     unsigned char *key, size_t key_size);
KTLA_EXPORT int ktla_config_set_psk_lookup(ktla_config *cfg, ktla_psk_lookup_fn lookup, void *arg);

/*
 * How long, in milliseconds, a handshake may wait for the client; 0
 * (default) for no limit.  It is a budget of the client's silence, not of
 * the handshake's length: ktla adds up the time the handshake waits for the
 * client (for bytes it has not sent, or to take ours when it is not reading)
 * and fails the handshake (KTLA_ERROR_SYSCALL, ETIMEDOUT) once that reaches
 * timeout_ms.  The server's own work, and its delay in calling ktla_accept()
 * again once the client's bytes are there, do not count: on a socket given
 * with ktla_set_fd() a wait for the client's bytes ends when they arrived,
 * as the kernel reports (TCP_INFO).  A wait to write, and any wait with
 * caller-moved I/O (ktla_set_io()), counts whole, until the next call.  A
 * blocking ktla_accept() never waits longer than the budget left (every
 * send and receive is bounded, whatever the client does); a non-blocking
 * one fails on the first call after the budget is spent: see
 * ktla_get_handshake_time_left().  Any value up to UINT_MAX is honoured.
 */
KTLA_EXPORT int ktla_config_set_handshake_timeout(ktla_config *cfg, unsigned timeout_ms);

/* Where the record layer runs after the handshake. */
enum ktla_offload_policy {
    KTLA_OFFLOAD_POLICY_AUTO = 0, /* the kernel when it offers kTLS for the suite, else user space (default);
                              a kernel that refuses keys after accepting the ULP ends the connection */
    KTLA_OFFLOAD_POLICY_NEVER,    /* always user space: for comparisons and debugging */
};
KTLA_EXPORT int ktla_config_set_offload(ktla_config *cfg, enum ktla_offload_policy policy);

/*
 * Whether the first ktla_conn_new() on cfg would succeed: builds what it
 * would build, returns what it would return (0, KTLA_E_CONFIG, KTLA_E_NOMEM)
 * with the same reason in ktla_config_error(), and keeps nothing: cfg stays
 * unfrozen and its setters still work.  0 for a configuration already
 * frozen.  For servers that want configuration errors at start-up, before
 * the first client.
 */
KTLA_EXPORT int ktla_config_check(ktla_config *cfg);

/*
 * The reason for the last failed call on cfg, or "" (owned by cfg; the
 * text is replaced by the next setter, and by a ktla_conn_new() or
 * ktla_config_check() that fails).
 */
KTLA_EXPORT const char *ktla_config_error(const ktla_config *cfg);

/*
 * What the configuration should not be, though no call failed: one line per
 * warning, such as a private key file every user can read; "" when none
 * (owned by cfg; kept until it is freed).  Tools print it at start-up.
 */
KTLA_EXPORT const char *ktla_config_warning(const ktla_config *cfg);

/* ------------------------------------------------------------------ */
/* Connections                                                         */
/* ------------------------------------------------------------------ */

typedef struct ktla_conn ktla_conn;

/*
 * A new server connection on cfg, freed with ktla_conn_free().  cfg must
 * outlive it.  Returns 0, KTLA_E_CONFIG (no certificate), KTLA_E_NOMEM.
 */
KTLA_EXPORT int ktla_conn_new(ktla_config *cfg, ktla_conn **out);

/*
 * Free the connection and wipe its secrets.  Does not close the socket (the
 * caller owns it) and sends nothing: call ktla_shutdown() first for a clean
 * close.
 */
KTLA_EXPORT void ktla_conn_free(ktla_conn *conn);

/*
 * The connected TCP socket, before ktla_accept().  The caller keeps
 * ownership.  Blocking or non-blocking, as the caller set it.
 */
KTLA_EXPORT int ktla_set_fd(ktla_conn *conn, int fd);

/*
 * Caller-moved handshake bytes (the analogue of an OpenSSL BIO pair).  recv
 * returns the number of bytes read (> 0), 0 at end of stream, or
 * KTLA_IO_WANT_READ; send the number written (> 0) or KTLA_IO_WANT_WRITE;
 * either may return KTLA_IO_ERROR.  The socket set with ktla_set_fd(), if
 * any, still receives the keys at the hand-off; without one the connection
 * stays in user space.  The values lie far from the KTLA_E_* codes, so that a
 * callback's return never reads as a library error.
 */
#define KTLA_IO_WANT_READ (-1002)
#define KTLA_IO_WANT_WRITE (-1003)
#define KTLA_IO_ERROR (-1001)
typedef long (*ktla_recv_fn)(void *arg, unsigned char *buf, size_t len);
typedef long (*ktla_send_fn)(void *arg, const unsigned char *buf, size_t len);
KTLA_EXPORT int ktla_set_io(ktla_conn *conn, ktla_recv_fn recv_fn, ktla_send_fn send_fn, void *arg);

/*
 * Run the server handshake, then hand the record layer to the kernel (see
 * ktla_accept(3)).  Returns 1 when the connection is established, 0 when the
 * handshake was shut down in a controlled way (the peer sent an alert or
 * closed cleanly), and -1 on a fatal error or when a non-blocking socket or
 * caller I/O needs to be retried: ktla_get_error() says which.
 */
KTLA_EXPORT int ktla_accept(ktla_conn *conn);

/*
 * The server's name, for SNI and for verifying its certificate (the
 * certificate must name it: DNS name or IP address).  Required before
 * ktla_connect() when the config verifies (the default); copied.  0,
 * KTLA_E_INVAL (NULL, empty, a server connection), KTLA_E_STATE (after
 * ktla_connect() began), KTLA_E_NOMEM.
 */
KTLA_EXPORT int ktla_set_server_name(ktla_conn *conn, const char *name);

/*
 * Run the client handshake on a connection of a ktla_config_new_client()
 * config, then hand the record layer to the kernel (or keep it in user space,
 * ktla_get_offload_reason() saying why), as ktla_accept() does (see
 * ktla_connect(3)).  Returns 1 when established, 0 when the server ended the
 * handshake in a controlled way (an alert or a clean close), and -1 on a
 * fatal error or when a non-blocking socket or caller I/O needs to be
 * retried: ktla_get_error() says which.
 */
KTLA_EXPORT int ktla_connect(ktla_conn *conn);

/*
 * Session resumption on the client (see ktla_connect(3)).  A ktla_session is
 * a session a client can offer again, to the same server name, for an
 * abbreviated handshake.  ktla_get_session() copies the connection's latest
 * one: in TLS 1.2 from the end of the handshake (with the server's ticket or
 * session id); in TLS 1.3 from the last NewSessionTicket ktla_read() has
 * read (the server sends them after the handshake; until one came there is
 * none).  0, KTLA_E_NOTFOUND (none yet, or the server gave none),
 * KTLA_E_INVAL, KTLA_E_NOMEM.  ktla_set_session(), before the first
 * ktla_connect(), offers a copy of it; a session the server does not take
 * (unknown, expired, another version or suite) gives a full handshake.  0,
 * KTLA_E_INVAL, KTLA_E_STATE, KTLA_E_NOMEM.  A session holds secrets: keep it
 * in memory only, and free it with ktla_session_free() (which wipes it).
 */
typedef struct ktla_session ktla_session;
KTLA_EXPORT int ktla_get_session(const ktla_conn *conn, ktla_session **out);
KTLA_EXPORT int ktla_set_session(ktla_conn *conn, const ktla_session *session);
KTLA_EXPORT void ktla_session_free(ktla_session *session);

/*
 * A session as bytes, for a cache that outlives the process (see
 * ktla_session_save(3)).  ktla_session_save() sets *len to the bytes the
 * session takes and writes them to buf when size is enough: 0, or
 * KTLA_E_INVAL (NULL arguments, or buf NULL or shorter than *len: call again
 * with a buffer of *len bytes).  ktla_session_load() makes a new session of
 * such bytes, checking every length and that this build of mbedTLS can read
 * them: 0, KTLA_E_PARSE (not a saved session, cut short, trailing bytes, or
 * from an mbedTLS it cannot read), KTLA_E_INVAL, KTLA_E_NOMEM.  The bytes
 * hold the session's secrets: store them as privately as a private key, and
 * wipe them after use.
 */
KTLA_EXPORT int ktla_session_save(const ktla_session *session, void *buf, size_t size, size_t *len);
KTLA_EXPORT int ktla_session_load(ktla_session **out, const void *buf, size_t len);

/*
 * During a handshake with a timeout: how many milliseconds of the client's
 * silence are left, counting a wait in progress as silence so far.  After
 * ktla_accept() returned WANT_READ or WANT_WRITE, an event loop sets its
 * timer to this and calls ktla_accept() again when it fires, event or not:
 * that call goes on if the client's bytes came, and fails with ETIMEDOUT if
 * the client stayed silent.  0 when the budget is spent; -1 without a
 * timeout, before the first ktla_accept() and after the handshake.
 */
KTLA_EXPORT long long ktla_get_handshake_time_left(const ktla_conn *conn);

/* What a return value ret of ktla_accept/read/write/sendfile/shutdown means. */
enum ktla_error {
    KTLA_ERROR_NONE = 0,     /* it succeeded */
    KTLA_ERROR_WANT_READ,    /* retry when the socket is readable (or after feeding bytes) */
    KTLA_ERROR_WANT_WRITE,   /* retry when the socket is writable */
    KTLA_ERROR_ZERO_RETURN,  /* the peer closed the TLS connection cleanly (close_notify) */
    KTLA_ERROR_SYSCALL,      /* a system call failed or the peer vanished; ktla_get_errno() */
    KTLA_ERROR_TLS,          /* a protocol failure: ktla_get_alert() and ktla_get_reason() */
};
KTLA_EXPORT enum ktla_error ktla_get_error(const ktla_conn *conn, long ret);

/*
 * A sentence on the last failure, "" if none.  Owned by conn, and valid only
 * until the next call on conn that does not succeed (that fails, has to be
 * retried or is misused: it then replaces the sentence), and at most until
 * ktla_conn_free(): copy it to keep it.
 */
KTLA_EXPORT const char *ktla_get_reason(const ktla_conn *conn);

/* The errno of the last KTLA_ERROR_SYSCALL, 0 if none. */
KTLA_EXPORT int ktla_get_errno(const ktla_conn *conn);

/*
 * The TLS alert description of the last failure, -1 if none: the alert
 * received, or the one the protocol calls for, which ktla sends when it
 * still can (on kTLS after a bad record too: the kernel then refuses to send
 * until the error it keeps on the socket is taken, and ktla takes it).
 */
KTLA_EXPORT int ktla_get_alert(const ktla_conn *conn);

/* After the handshake: the negotiated parameters (0 / NULL before). */
KTLA_EXPORT enum ktla_tls_version ktla_get_tls_version(const ktla_conn *conn);
KTLA_EXPORT int ktla_get_ciphersuite(const ktla_conn *conn);           /* IANA id */
KTLA_EXPORT const char *ktla_get_ciphersuite_name(const ktla_conn *conn);
KTLA_EXPORT const char *ktla_get_alpn(const ktla_conn *conn);          /* NULL if none */
KTLA_EXPORT const char *ktla_get_sni(const ktla_conn *conn);           /* NULL if none */
KTLA_EXPORT int ktla_get_session_resumed(const ktla_conn *conn);

/* The peer's certificate, DER, valid until ktla_conn_free(); NULL if none. */
KTLA_EXPORT const unsigned char *ktla_get_peer_cert(const ktla_conn *conn, size_t *len);

/*
 * 1 if the peer sent a certificate that verified against the CA of
 * ktla_config_set_client_auth(), else 0.  With KTLA_CLIENT_AUTH_OPTIONAL a
 * certificate that did not verify is still returned by ktla_get_peer_cert():
 * check this before trusting it.
 */
KTLA_EXPORT int ktla_get_peer_cert_verified(const ktla_conn *conn);

/* Where each direction's record layer runs, and when not in the kernel, why. */
enum ktla_offload {
    KTLA_OFFLOAD_NONE = 0,   /* before the hand-off */
    KTLA_OFFLOAD_KERNEL,     /* kTLS */
    KTLA_OFFLOAD_USER,       /* user space (mbedTLS) */
};
KTLA_EXPORT enum ktla_offload ktla_get_offload(const ktla_conn *conn, enum ktla_direction dir);
KTLA_EXPORT const char *ktla_get_offload_reason(const ktla_conn *conn, enum ktla_direction dir); /* NULL when kernel */

/* ------------------------------------------------------------------ */
/* After the handshake: data                                           */
/* ------------------------------------------------------------------ */

/*
 * For all four calls below, misuse (a NULL buffer, len or count 0, a call
 * before the handshake has completed, a file sendfile cannot read) returns
 * -1 with KTLA_ERROR_SYSCALL and errno EINVAL, and leaves the connection as
 * it was.  No call raises SIGPIPE.
 */

/*
 * Read up to len bytes of application data.  Returns the count (> 0), 0
 * when the peer sent close_notify, or -1 (ktla_get_error()).  On kTLS this
 * is one recvmsg() with a control buffer: handshake records (tickets,
 * KeyUpdate) and alerts are handled here, never returned as data.
 */
KTLA_EXPORT long ktla_read(ktla_conn *conn, void *buf, size_t len);

/*
 * Bytes of application data already decrypted and waiting in this process,
 * which the next ktla_read() returns without touching the socket; 0 when
 * none, before the handshake and after a failure.  They do not make the
 * socket readable: an event loop that reads with a smaller buffer than a
 * record asks this before it waits for the socket.  Always 0 on kTLS:
 * nothing decrypted is kept in user space, and what the kernel keeps makes
 * the socket readable (see ktla_read(3)).
 */
KTLA_EXPORT size_t ktla_pending(const ktla_conn *conn);


/*
 * Write up to len bytes; returns the count written (> 0), which may be less
 * than len (in user space at most one record, 16 KiB; on kTLS a short send
 * on a non-blocking socket): call again with the rest.  Or -1.
 */
KTLA_EXPORT long ktla_write(ktla_conn *conn, const void *buf, size_t len);

/*
 * Send count bytes of file_fd from *offset, advancing *offset; on kTLS this
 * is the kernel's sendfile (no copy through user space), with SIGPIPE
 * suppressed like every other ktla call.  Returns the count sent (> 0; may
 * be short, as for ktla_write) or -1.
 */
KTLA_EXPORT long ktla_sendfile(ktla_conn *conn, int file_fd, long long *offset, size_t count);

/* Send close_notify.  Returns 1 once sent, -1 on error (WANT_WRITE: retry). */
KTLA_EXPORT int ktla_shutdown(ktla_conn *conn);

/* ------------------------------------------------------------------ */
/* Diagnostics: the kernel's own view (netlink, libnl-3)               */
/* ------------------------------------------------------------------ */

/* How one direction of a kTLS socket is configured (the kernel's TLS_CONF_*). */
enum ktla_diag_conf {
    KTLA_DIAG_CONF_UNKNOWN = 0,
    KTLA_DIAG_CONF_BASE = 1,      /* ULP attached, no keys for this direction */
    KTLA_DIAG_CONF_SW = 2,        /* kernel software crypto */
    KTLA_DIAG_CONF_HW = 3,        /* NIC crypto offload */
    KTLA_DIAG_CONF_HW_RECORD = 4, /* NIC does the whole record layer */
};

/* "unknown", "base", "software", "device", "device-record". */
KTLA_EXPORT const char *ktla_diag_conf_name(enum ktla_diag_conf conf);

/*
 * One TCP socket as NETLINK_SOCK_DIAG reports it.  Plain data, caller-owned.
 * The TLS fields are filled only for a socket with the "tls" ULP; otherwise
 * tls_version is 0, cipher -1, tx and rx KTLA_DIAG_CONF_UNKNOWN.
 */
struct ktla_diag_socket {
    int family;                /* AF_INET or AF_INET6 */
    char local[64], remote[64]; /* "address:port", IPv6 as "[address]:port"; port 0 when unconnected */
    unsigned int state;        /* TCP state as in <netinet/tcp.h> (1 = ESTABLISHED ... 10 = LISTEN) */
    unsigned long long inode;  /* of the socket, as fstat() gives it; 0 for TIME_WAIT and SYN_RECV entries */
    char ulp[16];              /* "tls", another ULP ("mptcp"), or "" when none is attached */
    unsigned int tls_version;  /* 0x0303, 0x0304; 0 when the kernel did not say */
    int cipher;                /* enum ktla_cipher, or -1 when unknown or none */
    enum ktla_diag_conf tx, rx;
    int tx_zerocopy;           /* TLS_TX_ZEROCOPY_RO set (1/0) */
    int rx_no_pad;             /* TLS_RX_EXPECT_NO_PAD set (1/0) */
};

/*
 * The kernel's view of the TCP socket fd (looked up by its ports, then
 * matched by inode).  Kernels up to 6.14 give ULP details only to a caller
 * with CAP_NET_ADMIN, 6.15 and later to everyone.  When the reply has none,
 * the call asks the socket itself (getsockopt TCP_ULP): if no ULP is
 * attached the answer (ulp "") is complete; if one is, the kernel withheld
 * it and the call returns KTLA_E_PERM.  Returns 0, KTLA_E_INVAL (not an
 * AF_INET/AF_INET6 TCP socket, or out NULL), KTLA_E_NOTFOUND (not in the
 * kernel's tables, e.g. unbound), KTLA_E_PERM, KTLA_E_NETLINK (errno says
 * why), KTLA_E_PARSE (a reply we could not decode), KTLA_E_NOMEM.
 */
KTLA_EXPORT int ktla_diag_lookup(int fd, struct ktla_diag_socket *out);

/*
 * Every TCP socket of this network namespace, both families and all states,
 * that has the "tls" ULP (all TCP sockets when all_tcp is non-zero).  *out
 * is an array of *count entries, freed with free() (NULL when *count is 0).
 * A listing without ULP details is returned only when it cannot be hiding
 * one: the caller has CAP_NET_ADMIN, or some socket's details were shown,
 * or /proc/sys/net/ipv4/tcp_available_ulp has no "tls" (with all_tcp: no
 * ULP at all), or a throw-away loopback socket given the tls ULP shows up
 * with it; else KTLA_E_PERM.  Other errors as for ktla_diag_lookup().
 */
KTLA_EXPORT int ktla_diag_list(int all_tcp, struct ktla_diag_socket **out, size_t *count);

/*
 * A NIC offload feature, as ethtool's FEATURES_GET reports it: "fixed" when
 * the user cannot change it (not in the HW set, or in NOCHANGE).
 */
enum ktla_diag_feature {
    KTLA_DIAG_FEATURE_ABSENT = 0, /* the device cannot do it (not in HW, not active) */
    KTLA_DIAG_FEATURE_OFF,
    KTLA_DIAG_FEATURE_ON,
    KTLA_DIAG_FEATURE_FIXED_OFF,  /* cannot be turned on */
    KTLA_DIAG_FEATURE_FIXED_ON,   /* cannot be turned off */
};
/* "absent", "off", "on", "fixed-off", "fixed-on"; "unknown" for other values. */
KTLA_EXPORT const char *ktla_diag_feature_name(enum ktla_diag_feature f);

struct ktla_diag_netdev {
    char name[16];
    enum ktla_diag_feature tls_tx;     /* tls-hw-tx-offload */
    enum ktla_diag_feature tls_rx;     /* tls-hw-rx-offload */
    enum ktla_diag_feature tls_record; /* tls-hw-record */
};

/*
 * NIC TLS offload features of one interface (its name or an altname),
 * through the "ethtool" generic netlink family; needs no privilege.
 * out->name is the interface's name.  Returns 0, KTLA_E_INVAL, KTLA_E_NOTFOUND
 * (no such interface, errno ENODEV; or a kernel without ethtool netlink,
 * errno ENOENT), KTLA_E_NETLINK (errno says why), KTLA_E_PARSE, KTLA_E_NOMEM.
 */
KTLA_EXPORT int ktla_diag_netdev(const char *ifname, struct ktla_diag_netdev *out);

/* Every interface of this namespace; *out freed with free(); errors as above. */
KTLA_EXPORT int ktla_diag_netdev_list(struct ktla_diag_netdev **out, size_t *count);

/* One counter of /proc/net/tls_stat, e.g. {"TlsCurrTxSw", 3}. */
struct ktla_diag_counter {
    char name[48];
    unsigned long long value;
};

/*
 * The kernel's TLS counters for this network namespace, in file order (every
 * "Name value" line, also names this version does not know).  *out freed
 * with free().  Returns 0, KTLA_E_NOKTLS when the file does not exist (no
 * tls module loaded), KTLA_E_PARSE (a malformed line, a name of 48
 * characters or more, a value beyond 64 bits, more than 256 lines),
 * KTLA_E_SYSCALL (could not read it; errno says why), KTLA_E_NOMEM,
 * KTLA_E_INVAL.
 */
KTLA_EXPORT int ktla_diag_tls_stat(struct ktla_diag_counter **out, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* KTLA_H */
