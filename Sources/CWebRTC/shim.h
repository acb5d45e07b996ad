#ifndef TELEFONIA_CWEBRTC_SHIM_H
#define TELEFONIA_CWEBRTC_SHIM_H
// DTLS-SRTP for the web phone (M2): OpenSSL's DTLS over memory BIOs (the datagrams
// travel on the gateway's own sockets) and libsrtp2's protect/unprotect, wrapped in
// small functions Swift can call (OpenSSL's macros and libsrtp's policy struct are not
// usable from Swift directly).
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/rand.h>
#include <srtp2/srtp.h>
#include <stdio.h>
#include <string.h>

/// A DTLS context with a fresh self-signed ECDSA P-256 certificate (valid 30 days).
/// Writes its SHA-256 fingerprint ("AB:CD:…", 95 characters and a NUL) into `fingerprint`
/// (at least 96 bytes). NULL on failure.
static inline SSL_CTX *tel_dtls_context_new(char *fingerprint, int client) {
    EVP_PKEY *key = EVP_EC_gen("prime256v1");
    if (key == NULL) return NULL;
    X509 *cert = X509_new();
    if (cert == NULL) { EVP_PKEY_free(key); return NULL; }
    X509_set_version(cert, 2);
    unsigned char serial[8];
    RAND_bytes(serial, sizeof serial);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), (long)((serial[0] << 16) | (serial[1] << 8) | serial[2]));
    X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
    X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 86400);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"telefonia", -1, -1, 0);
    X509_set_issuer_name(cert, name);
    if (X509_sign(cert, key, EVP_sha256()) == 0) { X509_free(cert); EVP_PKEY_free(key); return NULL; }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    X509_digest(cert, EVP_sha256(), md, &length);
    for (unsigned int i = 0; i < length; i++) sprintf(fingerprint + i * 3, i + 1 < length ? "%02X:" : "%02X", md[i]);
    SSL_CTX *ctx = SSL_CTX_new(client ? DTLS_client_method() : DTLS_server_method());
    if (ctx == NULL) { X509_free(cert); EVP_PKEY_free(key); return NULL; }
    int ok = SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1
        && SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AES128_CM_SHA1_80") == 0;
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!ok) { SSL_CTX_free(ctx); return NULL; }
    SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
    SSL_CTX_set_read_ahead(ctx, 1);
    return ctx;
}

/// The peer's certificate is self-signed by design: it is checked against the SDP's
/// fingerprint after the handshake (`tel_dtls_peer_fingerprint`).
static inline int tel_dtls_accept_any(int preverify, X509_STORE_CTX *store) { (void)preverify; (void)store; return 1; }

/// One DTLS association over memory BIOs; `server` 1 answers a ClientHello, 0 sends one.
static inline SSL *tel_dtls_new(SSL_CTX *ctx, int server) {
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL) return NULL;
    BIO *in = BIO_new(BIO_s_mem());
    BIO *out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    BIO_set_mem_eof_return(out, -1);
    SSL_set_bio(ssl, in, out);
    SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, tel_dtls_accept_any);
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
    SSL_set_mtu(ssl, 1200);
    DTLS_set_link_mtu(ssl, 1200);
    if (server) SSL_set_accept_state(ssl); else SSL_set_connect_state(ssl);
    return ssl;
}

/// Feeds a received datagram (NULL, 0: nothing, just go on) and moves the handshake.
/// Returns 1 once it is done, 0 while it goes on, -1 when it failed.
static inline int tel_dtls_step(SSL *ssl, const unsigned char *data, int length) {
    if (data != NULL && length > 0) BIO_write(SSL_get_rbio(ssl), data, length);
    if (SSL_is_init_finished(ssl)) {
        unsigned char sink[2048];
        while (SSL_read(ssl, sink, sizeof sink) > 0) {}
        return 1;
    }
    int result = SSL_do_handshake(ssl);
    if (result == 1) return 1;
    int error = SSL_get_error(ssl, result);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return 0;
    ERR_clear_error();
    return -1;
}

/// Retransmits a lost flight when its timer ran out (call every few hundred ms until done).
static inline void tel_dtls_timeout(SSL *ssl) { DTLSv1_handle_timeout(ssl); }

/// Bytes the association wants sent, copied into `out` (up to `capacity`); 0 when none.
static inline int tel_dtls_output(SSL *ssl, unsigned char *out, int capacity) {
    BIO *bio = SSL_get_wbio(ssl);
    if (BIO_ctrl_pending(bio) == 0) return 0;
    int read = BIO_read(bio, out, capacity);
    return read < 0 ? 0 : read;
}

/// 60 bytes of SRTP keying material (client key, server key, client salt, server salt)
/// once the handshake agreed on SRTP_AES128_CM_SHA1_80; 0 on success, -1 otherwise.
static inline int tel_dtls_srtp_material(SSL *ssl, unsigned char *material) {
    SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile(ssl);
    if (profile == NULL || profile->id != SRTP_AES128_CM_SHA1_80) return -1;
    static const char label[] = "EXTRACTOR-dtls_srtp";
    return SSL_export_keying_material(ssl, material, 60, label, strlen(label), NULL, 0, 0) == 1 ? 0 : -1;
}

/// The SHA-256 fingerprint of the peer's certificate ("AB:CD:…"), 0 on success.
static inline int tel_dtls_peer_fingerprint(SSL *ssl, char *fingerprint) {
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (cert == NULL) return -1;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    int ok = X509_digest(cert, EVP_sha256(), md, &length);
    X509_free(cert);
    if (!ok) return -1;
    for (unsigned int i = 0; i < length; i++) sprintf(fingerprint + i * 3, i + 1 < length ? "%02X:" : "%02X", md[i]);
    return 0;
}

static inline void tel_dtls_free(SSL *ssl) { SSL_free(ssl); }
static inline void tel_dtls_context_free(SSL_CTX *ctx) { SSL_CTX_free(ctx); }

/// libsrtp2 once per process.
static inline int tel_srtp_init(void) { return srtp_init() == srtp_err_status_ok ? 0 : -1; }

/// An SRTP session (AES_CM_128_HMAC_SHA1_80) with `key_salt` (16-byte key then 14-byte
/// salt), for packets received (`inbound` 1) or sent; NULL on failure.
static inline srtp_t tel_srtp_new(const unsigned char *key_salt, int inbound) {
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
    policy.key = (unsigned char *)key_salt;
    policy.window_size = 1024;
    policy.allow_repeat_tx = 1;
    policy.next = NULL;
    srtp_t session = NULL;
    return srtp_create(&session, &policy) == srtp_err_status_ok ? session : NULL;
}

/// Encrypts an RTP packet in place (`buffer` has room for SRTP_MAX_TRAILER_LEN more);
/// returns its new length, -1 on failure.
static inline int tel_srtp_protect(srtp_t session, unsigned char *buffer, int length) {
    int out = length;
    return srtp_protect(session, buffer, &out) == srtp_err_status_ok ? out : -1;
}

/// Checks and decrypts an SRTP packet in place; returns the RTP length, -1 when it does not authenticate.
static inline int tel_srtp_unprotect(srtp_t session, unsigned char *buffer, int length) {
    int out = length;
    return srtp_unprotect(session, buffer, &out) == srtp_err_status_ok ? out : -1;
}

static inline void tel_srtp_free(srtp_t session) { srtp_dealloc(session); }

#endif
