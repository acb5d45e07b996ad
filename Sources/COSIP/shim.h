#ifndef TELEFONIA_COSIP_SHIM_H
#define TELEFONIA_COSIP_SHIM_H
// Helpers around libosip2's parser for Swift. Many osip accessors are macros or
// variadic, and its lists are intrusive; these inline functions give Swift plain
// calls. Every returned string is borrowed from the message (valid until
// tel_osip_free) unless the comment says it must be freed with tel_osip_free_str.
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_message.h>
#include <stdlib.h>
#include <string.h>

/// Kinds of header lists Swift asks for by index.
enum tel_osip_kind {
    TEL_VIA = 0, TEL_CONTACT, TEL_RECORD_ROUTE, TEL_ROUTE,
    TEL_AUTHORIZATION, TEL_PROXY_AUTHORIZATION, TEL_WWW_AUTHENTICATE, TEL_PROXY_AUTHENTICATE,
    TEL_OTHER,
    // Headers libosip2 keeps in lists of their own, outside the generic list.
    TEL_ACCEPT, TEL_ACCEPT_ENCODING, TEL_ACCEPT_LANGUAGE, TEL_ALERT_INFO, TEL_ALLOW, TEL_CALL_INFO,
    TEL_CONTENT_ENCODING, TEL_ERROR_INFO
};

/// osip_message_parse after osip_message_init; returns 0 on success. `parser_init`
/// must have run once (tel_osip_global_init).
static inline int tel_osip_parse(const char *buf, size_t len, osip_message_t **out) {
    osip_message_t *msg = NULL;
    if (osip_message_init(&msg) != 0) return -1;
    if (osip_message_parse(msg, buf, len) != 0) { osip_message_free(msg); return -2; }
    *out = msg;
    return 0;
}

/// parser_init is not thread-safe and must run before any parse.
static inline void tel_osip_global_init(void) { parser_init(); }

static inline void tel_osip_free(osip_message_t *msg) { osip_message_free(msg); }

/// osip_free is a macro over a global function pointer.
static inline void tel_osip_free_str(char *s) { osip_free(s); }

static inline osip_list_t *tel_osip_list(osip_message_t *m, int kind) {
    switch (kind) {
    case TEL_VIA: return &m->vias;
    case TEL_CONTACT: return &m->contacts;
    case TEL_RECORD_ROUTE: return &m->record_routes;
    case TEL_ROUTE: return &m->routes;
    case TEL_AUTHORIZATION: return &m->authorizations;
    case TEL_PROXY_AUTHORIZATION: return &m->proxy_authorizations;
    case TEL_WWW_AUTHENTICATE: return &m->www_authenticates;
    case TEL_PROXY_AUTHENTICATE: return &m->proxy_authenticates;
    case TEL_ACCEPT: return &m->accepts;
    case TEL_ACCEPT_ENCODING: return &m->accept_encodings;
    case TEL_ACCEPT_LANGUAGE: return &m->accept_languages;
    case TEL_ALERT_INFO: return &m->alert_infos;
    case TEL_ALLOW: return &m->allows;
    case TEL_CALL_INFO: return &m->call_infos;
    case TEL_CONTENT_ENCODING: return &m->content_encodings;
    case TEL_ERROR_INFO: return &m->error_infos;
    default: return &m->headers;
    }
}

static inline int tel_osip_count(osip_message_t *m, int kind) { return osip_list_size(tel_osip_list(m, kind)); }

/// The index-th header of a kind as text; free with tel_osip_free_str. NULL when absent or unprintable.
static inline char *tel_osip_header_str(osip_message_t *m, int kind, int index) {
    void *h = osip_list_get(tel_osip_list(m, kind), index);
    if (h == NULL) return NULL;
    char *out = NULL;
    int rc = -1;
    switch (kind) {
    case TEL_VIA: rc = osip_via_to_str((osip_via_t *)h, &out); break;
    case TEL_CONTACT: rc = osip_contact_to_str((osip_contact_t *)h, &out); break;
    case TEL_RECORD_ROUTE: rc = osip_record_route_to_str((osip_record_route_t *)h, &out); break;
    case TEL_ROUTE: rc = osip_route_to_str((osip_route_t *)h, &out); break;
    case TEL_AUTHORIZATION: rc = osip_authorization_to_str((osip_authorization_t *)h, &out); break;
    case TEL_PROXY_AUTHORIZATION: rc = osip_proxy_authorization_to_str((osip_proxy_authorization_t *)h, &out); break;
    case TEL_WWW_AUTHENTICATE: rc = osip_www_authenticate_to_str((osip_www_authenticate_t *)h, &out); break;
    case TEL_PROXY_AUTHENTICATE: rc = osip_proxy_authenticate_to_str((osip_proxy_authenticate_t *)h, &out); break;
    case TEL_ACCEPT: rc = osip_accept_to_str((osip_accept_t *)h, &out); break;
    case TEL_ACCEPT_ENCODING: rc = osip_accept_encoding_to_str((osip_accept_encoding_t *)h, &out); break;
    case TEL_ACCEPT_LANGUAGE: rc = osip_accept_language_to_str((osip_accept_language_t *)h, &out); break;
    case TEL_ALERT_INFO: rc = osip_alert_info_to_str((osip_alert_info_t *)h, &out); break;
    case TEL_ALLOW: rc = osip_allow_to_str((osip_allow_t *)h, &out); break;
    case TEL_CALL_INFO: rc = osip_call_info_to_str((osip_call_info_t *)h, &out); break;
    case TEL_CONTENT_ENCODING: rc = osip_content_encoding_to_str((osip_content_encoding_t *)h, &out); break;
    case TEL_ERROR_INFO: rc = osip_error_info_to_str((osip_error_info_t *)h, &out); break;
    default: return NULL;
    }
    return rc == 0 ? out : NULL;
}

/// Generic ("other") header by index: name and value borrowed from the message.
static inline int tel_osip_other(osip_message_t *m, int index, const char **name, const char **value) {
    osip_header_t *h = (osip_header_t *)osip_list_get(&m->headers, index);
    if (h == NULL) return -1;
    *name = h->hname; *value = h->hvalue;
    return 0;
}

static inline osip_via_t *tel_osip_via(osip_message_t *m, int index) { return (osip_via_t *)osip_list_get(&m->vias, index); }

/// A Via parameter by name: 1 and *value set when present (value may be NULL for flags like rport).
static inline int tel_osip_via_param(osip_via_t *via, const char *name, const char **value) {
    osip_generic_param_t *p = NULL;
    if (osip_via_param_get_byname(via, (char *)name, &p) != 0 || p == NULL) return 0;
    *value = p->gvalue;
    return 1;
}

/// The tag of a From or To header, or NULL.
static inline const char *tel_osip_tag(osip_from_t *f) {
    if (f == NULL) return NULL;
    osip_generic_param_t *p = NULL;
    if (osip_from_get_tag(f, &p) != 0 || p == NULL) return NULL;
    return p->gvalue;
}

/// A generic parameter of a From/To/Contact header, or NULL.
static inline const char *tel_osip_gen_param(osip_from_t *f, const char *name) {
    if (f == NULL) return NULL;
    osip_generic_param_t *p = NULL;
    if (osip_generic_param_get_byname(&f->gen_params, (char *)name, &p) != 0 || p == NULL) return NULL;
    return p->gvalue ? p->gvalue : "";
}

static inline osip_contact_t *tel_osip_contact(osip_message_t *m, int index) { return (osip_contact_t *)osip_list_get(&m->contacts, index); }

/// A URI as text; free with tel_osip_free_str.
static inline char *tel_osip_uri_str(osip_uri_t *u) {
    char *out = NULL;
    if (u == NULL || osip_uri_to_str(u, &out) != 0) return NULL;
    return out;
}

/// A URI parameter (e.g. transport) or NULL.
static inline const char *tel_osip_uri_param(osip_uri_t *u, const char *name) {
    if (u == NULL) return NULL;
    osip_uri_param_t *p = NULL;
    if (osip_uri_param_get_byname(&u->url_params, (char *)name, &p) != 0 || p == NULL) return NULL;
    return p->gvalue ? p->gvalue : "";
}

/// A name-addr header (From/To/Contact) as text; free with tel_osip_free_str.
static inline char *tel_osip_from_str(osip_from_t *f) {
    char *out = NULL;
    if (f == NULL || osip_from_to_str(f, &out) != 0) return NULL;
    return out;
}

static inline char *tel_osip_call_id_str(osip_message_t *m) {
    char *out = NULL;
    if (m->call_id == NULL || osip_call_id_to_str(m->call_id, &out) != 0) return NULL;
    return out;
}

static inline char *tel_osip_content_type_str(osip_message_t *m) {
    char *out = NULL;
    if (m->content_type == NULL || osip_content_type_to_str(m->content_type, &out) != 0) return NULL;
    return out;
}

/// The index-th URI parameter: 0 and name/value set when present (value may be NULL).
static inline int tel_osip_uri_param_at(osip_uri_t *u, int index, const char **name, const char **value) {
    if (u == NULL) return -1;
    osip_uri_param_t *p = (osip_uri_param_t *)osip_list_get(&u->url_params, index);
    if (p == NULL) return -1;
    *name = p->gname; *value = p->gvalue;
    return 0;
}

/// The index-th generic parameter of a From/To/Contact header.
static inline int tel_osip_gen_param_at(osip_from_t *f, int index, const char **name, const char **value) {
    if (f == NULL) return -1;
    osip_generic_param_t *p = (osip_generic_param_t *)osip_list_get(&f->gen_params, index);
    if (p == NULL) return -1;
    *name = p->gname; *value = p->gvalue;
    return 0;
}

/// The index-th Via parameter.
static inline int tel_osip_via_param_at(osip_via_t *v, int index, const char **name, const char **value) {
    if (v == NULL) return -1;
    osip_generic_param_t *p = (osip_generic_param_t *)osip_list_get(&v->via_params, index);
    if (p == NULL) return -1;
    *name = p->gname; *value = p->gvalue;
    return 0;
}

/// Parses a URI on its own (e.g. a stored Contact); free with tel_osip_uri_free.
static inline int tel_osip_uri_parse(const char *text, osip_uri_t **out) {
    osip_uri_t *u = NULL;
    if (osip_uri_init(&u) != 0) return -1;
    if (osip_uri_parse(u, text) != 0) { osip_uri_free(u); return -2; }
    *out = u;
    return 0;
}

static inline void tel_osip_uri_free(osip_uri_t *u) { osip_uri_free(u); }

#endif
