#ifndef TELEFONIA_CORTP_SHIM_H
#define TELEFONIA_CORTP_SHIM_H
// Helpers around libortp for Swift: its header macros (rtp_set_markbit,
// rtp_get_payload_type, freemsg usage) and its global variables (av_profile,
// payload types) are not usable from Swift 6 directly.
#include <ortp/ortp.h>
#include <bctoolbox/logging.h>
#include <string.h>

/// ortp_init once, and keep oRTP's own logging (stdout by default) quiet.
static inline void tel_ortp_global_init(void) {
    ortp_init();
    bctbx_set_log_level(NULL, BCTBX_LOG_FATAL);
}

/// A profile with PCMU (0), PCMA (8) and telephone-event at `tev_pt` (when > 0).
static inline RtpProfile *tel_ortp_profile_new(int tev_pt) {
    RtpProfile *p = rtp_profile_new("telefonia");
    rtp_profile_set_payload(p, 0, &payload_type_pcmu8000);
    rtp_profile_set_payload(p, 8, &payload_type_pcma8000);
    if (tev_pt > 0 && tev_pt < 128) rtp_profile_set_payload(p, tev_pt, &payload_type_telephone_event);
    return p;
}

/// A non-blocking, unscheduled send/receive session bound to host:port (RTCP on port+1),
/// sending payload type `pt`, learning the peer's address from what it sends (symmetric RTP).
static inline RtpSession *tel_ortp_session_new(const char *host, int port, RtpProfile *profile, int pt, int jitter_ms) {
    RtpSession *s = rtp_session_new(RTP_SESSION_SENDRECV);
    if (s == NULL) return NULL;
    rtp_session_set_scheduling_mode(s, 0);
    rtp_session_set_blocking_mode(s, 0);
    rtp_session_set_profile(s, profile);
    if (rtp_session_set_local_addr(s, host, port, port + 1) != 0) { rtp_session_destroy(s); return NULL; }
    rtp_session_set_payload_type(s, pt);
    rtp_session_set_symmetric_rtp(s, 1);
    rtp_session_enable_jitter_buffer(s, 1);
    rtp_session_set_jitter_compensation(s, jitter_ms);
    return s;
}

/// Sends one audio frame with timestamp `ts`; `marker` set on the first packet of a talkspurt.
static inline int tel_ortp_send_frame(RtpSession *s, const uint8_t *payload, int len, uint32_t ts, int marker) {
    mblk_t *m = rtp_session_create_packet(s, RTP_FIXED_HEADER_SIZE, payload, (size_t)len);
    if (m == NULL) return -1;
    rtp_set_markbit(m, marker ? 1 : 0);
    return rtp_session_sendm_with_ts(s, m, ts);
}

/// The frame due at receive timestamp `ts` (after oRTP's jitter buffer): copies up to
/// `cap` payload bytes into `out` and returns their count; 0 when nothing is due.
static inline int tel_ortp_recv_frame(RtpSession *s, uint32_t ts, uint8_t *out, int cap, int *payload_type) {
    mblk_t *m = rtp_session_recvm_with_ts(s, ts);
    if (m == NULL) return 0;
    unsigned char *start = NULL;
    int len = rtp_get_payload(m, &start);
    *payload_type = rtp_get_payload_type(m);
    if (len > cap) len = cap;
    if (len > 0 && start != NULL) memcpy(out, start, (size_t)len);
    freemsg(m);
    return len < 0 ? 0 : len;
}

/// Connects oRTP's "telephone-event" signal (RFC 4733 events it decoded).
static inline int tel_ortp_on_telephone_event(RtpSession *s, RtpCallback cb, void *user_data) {
    return rtp_session_signal_connect(s, "telephone-event", cb, user_data);
}

#endif
