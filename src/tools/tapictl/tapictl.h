/*
 * tapictl.h - what the files of tapictl share.
 *
 * tapictl is an ordinary TAPI application: it uses only <tapi.h> and
 * libtapi32, exactly as a program of yours would.  Reading order for
 * someone learning the API from it:
 *
 *   main.c      options, the command table, help
 *   conn.c      lineInitializeEx, choosing a line, lineOpen
 *   run.c       an asynchronous request: call, then wait for its LINE_REPLY;
 *               the dwNeededSize retry loop for variably-sized structures
 *   lines.c     lineGetDevCaps, lineGetAddressCaps, lineGetProxyStatus
 *   agent.c     TAPI 2.2 agents          session.c  TAPI 2.2 agent sessions
 *   groups.c    groups and queues        address.c  TAPI 2.0 per-address calls
 *   monitor.c   every message as it arrives
 *   names.c     constant names, state names, LINEERR_ explanations
 *   out.c       aligned tables and JSON lines
 *   args.c      parsing numbers, states, GUIDs; reading a PIN
 */
#ifndef TAPICTL_H
#define TAPICTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <tapi.h>

/* Exit codes (documented in tapictl(1)); 0 and 1 are stdlib.h's
   EXIT_SUCCESS and EXIT_FAILURE (out of memory, output error). */
#define EXIT_USAGE 2       /* bad command line */
#define EXIT_TAPI 3        /* a TAPI function failed with a LINEERR_ value */
#define EXIT_UNREACHABLE 4 /* no tapisrv, or it went away */
#define EXIT_TIMEOUT 5     /* no LINE_REPLY before --timeout */

/* The API version tapictl is written for, and the oldest it accepts. */
#define CTL_API_VERSION 0x00020002u
#define CTL_API_LOW 0x00020000u

/* One run of tapictl: global options and the TAPI objects in use. */
struct ctl {
    /* global options */
    bool json;          /* --json */
    long line_opt;      /* --line N, or -1 */
    double timeout_s;   /* --timeout */
    const char *server; /* --server, or NULL */
    const char *what;   /* the command as typed, for messages */
    char cmd[32];       /* its words ("agent info"), for the help hint */
    const char *usage;  /* its arguments ("H [--next STATE]") */
    /* TAPI state (conn.c) */
    HLINEAPP app;
    DWORD num_devs;
    int event_fd;  /* LINEINITIALIZEEXPARAMS.Handles.hEvent */
    DWORD dev;     /* the line device in use */
    DWORD version; /* the version negotiated for it */
    HLINE line;    /* 0 until opened */
    bool lost;     /* a LINE_CLOSE arrived: the server is gone */
    bool quiet;    /* optional calls: errors are not reported */
};

/* A command: argv[0] is the command's last word ("info" for "agent info"). */
typedef int (*cmd_fn)(struct ctl *c, int argc, char **argv);

/* ---- main.c ---------------------------------------------------------- */
/* Print "tapictl: MSG" and a hint to stderr (and a JSON error with --json);
   returns EXIT_USAGE. */
int usage_error(struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The arguments do not fit the command: print its usage; EXIT_USAGE. */
int usage_args(struct ctl *c);

/* ---- conn.c ---------------------------------------------------------- */
/* lineInitializeEx (after applying --server).  0 or an exit code. */
int ctl_init(struct ctl *c);
/* ctl_init, pick the line (--line, else the first with a proxy) and open it
   with LINECALLPRIVILEGE_MONITOR.  0 or an exit code. */
int ctl_open(struct ctl *c);
/* lineClose and lineShutdown, whatever was opened. */
void ctl_close(struct ctl *c);
/* Negotiate a version for device dev; 0 or a LINEERR_ value. */
LONG ctl_negotiate(struct ctl *c, DWORD dev, DWORD *version);
/* Is the server still there?  (A LINE_CLOSE was seen, or a round trip fails.) */
bool ctl_server_gone(struct ctl *c);

/* ---- run.c ----------------------------------------------------------- */
/* Report a failed TAPI call: stderr (and JSON); returns the exit code
   (EXIT_TAPI, or EXIT_UNREACHABLE when the server is gone). */
int ctl_fail(struct ctl *c, const char *fn, LONG err);
/* Report an error that is not a LINEERR_ (kind: "unreachable", "timeout",
   "error"); returns code. */
int ctl_error(struct ctl *c, int code, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Wait for the LINE_REPLY of request rid (the value the asynchronous
   function returned); 0 or an exit code, errors reported as from fn. */
int ctl_wait(struct ctl *c, LONG rid, const char *fn);

/* Starts one asynchronous "get" into buf (whose dwTotalSize is set). */
typedef LONG (*get_fn)(struct ctl *c, void *buf, const void *arg);
/*
 * Call get, wait for its reply and, while dwNeededSize > dwTotalSize, grow
 * the buffer and call again.  On success *out is the malloc'd structure
 * (the caller frees it) and 0 is returned; otherwise an exit code.
 */
int ctl_get(struct ctl *c, get_fn get, const void *arg, size_t fixed, const char *fn, void **out);
/* "COMMAND H": handle_args for one handle (what: "an agent"), ctl_open, and
   ctl_get of H's structure into *out.  0 or an exit code. */
int handle_get(struct ctl *c, int argc, char **argv, const char *what, get_fn get, size_t fixed,
               const char *fn, DWORD *h, void **out);

/* A NUL-terminated string at size/offset inside a structure whose first
   dwUsedSize bytes are valid, or "" when absent or malformed. */
const char *vs_string(const void *st, DWORD size, DWORD offset);
/* Entry i (of entry_size bytes) of a list at dwListOffset, or NULL. */
const void *vs_entry(const void *list, DWORD list_offset, DWORD list_size, size_t entry_size,
                     DWORD i);

/* ---- names.c --------------------------------------------------------- */
struct name {
    DWORD value;
    const char *name;
};
extern const struct name session_states[], agent_states_ex[], agent_states[];
extern const struct name session_status_bits[], agent_statusex_bits[], agent_status_bits[];
extern const struct name queue_status_bits[], group_status_bits[], proxy_status_values[];
extern const struct name proxy_requests[], addrcap_flags[], agent_features[], messages[];
/* The name of value in table (lowercase for states), or NULL. */
const char *name_of(const struct name *table, DWORD value);
/* The value of a name (case-insensitive), or 0 when unknown. */
DWORD value_of(const struct name *table, const char *name);
/* Flag names joined by sep into buf ("" for 0; unknown bits in hex). */
const char *flags_str(const struct name *table, DWORD flags, const char *sep, char *buf,
                      size_t cap);
/* "LINEERR_INVALPARAM" and "a parameter is invalid"; NULL name if unknown. */
const char *lineerr_name(LONG err);
const char *lineerr_text(LONG err);

/* ---- args.c ---------------------------------------------------------- */
/* Parse a DWORD (decimal or 0x hex); false if not one. */
bool parse_dword(const char *s, DWORD *v);
/* Parse a handle argument ("5", "0x5"); 0 or a usage error (what: "an
   agent", "a session"). */
int handle_arg(struct ctl *c, const char *s, const char *what, DWORD *h);
/* Parse a state name of table; "keep"/"0" give 0 when allow_zero. */
bool parse_state(const struct name *table, const char *s, bool allow_zero, DWORD *v);
/* Parse {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} (braces optional). */
bool parse_guid(const char *s, GUID *g);
/* Format a GUID with braces, uppercase, into buf (39 bytes). */
char *guid_str(const GUID *g, char *buf);
/* Read a PIN: one line from stdin (no echo on a terminal).  malloc'd, or
   NULL at end of input.  Free with pin_free (which wipes it). */
char *pin_read(void);
void pin_free(char *pin);

/* Option scanning for a command: like getopt_long on argv[1..], but every
   option takes its value from the next word.  */
struct opt {
    const char *name; /* "--agent" */
    bool has_arg;
    const char **value; /* receives the argument, or "" for a flag */
};
/* Collect options into opts and positionals into pos[0..*npos); returns 0,
   or an exit code after reporting the usage error. */
int scan_args(struct ctl *c, int argc, char **argv, const struct opt *opts, char **pos, int maxpos,
              int *npos);
/* scan_args for exactly npos positionals, the first a handle (what: "an
   agent", "a session") into *h; 0 or an exit code after reporting. */
int handle_args(struct ctl *c, int argc, char **argv, const struct opt *opts, char **pos, int npos,
                const char *what, DWORD *h);
/* STATE and --next STATE (NULL: none, giving 0) as states of table (what:
   "an agent", "a session"); 0 or an exit code after reporting. */
int state_args(struct ctl *c, const struct name *table, const char *what, const char *s,
               const char *next, DWORD *state, DWORD *next_state);

/* ---- out.c ----------------------------------------------------------- */
/*
 * A record is an ordered list of fields, each with a JSON key and value and
 * a human label and text.  The same record prints as "label  text" lines, as
 * one row of a table, or as one JSON object on one line.
 */
struct field {
    const char *key;   /* JSON key; NULL: human output only */
    const char *label; /* human label / column header; NULL: JSON only */
    char *text;        /* human text */
    char *json;        /* JSON value, already encoded */
};
struct rec {
    struct field *f;
    size_t n, cap;
};
void rec_str(struct rec *r, const char *key, const char *label, const char *s);
void rec_uint(struct rec *r, const char *key, const char *label, unsigned long long v);
/* A state name (or null / "-" for 0). */
void rec_state(struct rec *r, const char *key, const char *label, const struct name *t, DWORD v);
/* A flag set: a JSON array of names, a human list joined by sep. */
void rec_flags(struct rec *r, const char *key, const char *label, const struct name *t, DWORD v);
/* Seconds, shown as "90 s" to people and 90 in JSON. */
void rec_secs(struct rec *r, const char *key, const char *label, DWORD s);
/* CURRENCY as a decimal with four places ("2.5000"). */
void rec_currency(struct rec *r, const char *key, const char *label, CURRENCY cy);
/* An OLE DATE (UTC) as ISO-8601 ("2026-01-31T09:15:00Z"); null when 0. */
void rec_date(struct rec *r, const char *key, const char *label, DATE d);
/* A value with separate human text and raw JSON. */
void rec_raw(struct rec *r, const char *key, const char *label, const char *text, const char *json);
void rec_free(struct rec *r);

/* "state ready, next state notready", "next state ended", "state ready":
   the state change in fields i (state) and i + 1 (next state) of r. */
const char *state_change(const struct rec *r, size_t i, char *buf, size_t cap);
/* The confirmation of a state change of KEY id ("agent 5: state ready"). */
int out_state_done(struct ctl *c, const char *key, DWORD id, const struct name *t, DWORD state,
                   DWORD next);
/* The confirmation of KEY id's new measurement period. */
int out_period_done(struct ctl *c, const char *key, DWORD id, DWORD secs);
/* One record as "label  text" lines, or one JSON object. */
int out_record(struct ctl *c, struct rec *r);
/* Records as an aligned table under their labels, or one JSON object each;
   with no records, people get the line `empty` ("(no groups)"). */
int out_table(struct ctl *c, struct rec *rows, size_t n, const char *empty);
/* out_table, or the out-of-memory error when rows is NULL; then rows_free. */
int out_rows(struct ctl *c, struct rec *rows, size_t n, const char *empty);
/* rec_free each of n records, then free the array. */
void rows_free(struct rec *rows, size_t n);
/* A one-line confirmation for people, the record for JSON. */
int out_done(struct ctl *c, struct rec *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append printf-formatted text to *s, a malloc'd string (NULL: empty). */
void str_addf(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal of s (malloc'd). */
char *json_quote(const char *s);
/* Write one JSON object line to stdout and flush; 0 or EXIT_FAILURE. */
int out_json_line(const char *obj);

/* ---- commands -------------------------------------------------------- */
int cmd_lines(struct ctl *c, int argc, char **argv);
int cmd_agent_create(struct ctl *c, int argc, char **argv);
int cmd_agent_info(struct ctl *c, int argc, char **argv);
int cmd_agent_state(struct ctl *c, int argc, char **argv);
int cmd_agent_period(struct ctl *c, int argc, char **argv);
int cmd_agent_sessions(struct ctl *c, int argc, char **argv);
int cmd_session_create(struct ctl *c, int argc, char **argv);
int cmd_session_info(struct ctl *c, int argc, char **argv);
int cmd_session_state(struct ctl *c, int argc, char **argv);
int cmd_session_end(struct ctl *c, int argc, char **argv);
int cmd_groups(struct ctl *c, int argc, char **argv);
int cmd_queues(struct ctl *c, int argc, char **argv);
int cmd_queue_info(struct ctl *c, int argc, char **argv);
int cmd_queue_period(struct ctl *c, int argc, char **argv);
int cmd_address_status(struct ctl *c, int argc, char **argv);
int cmd_address_state(struct ctl *c, int argc, char **argv);
int cmd_address_groups(struct ctl *c, int argc, char **argv);
int cmd_address_activity(struct ctl *c, int argc, char **argv);
int cmd_caps(struct ctl *c, int argc, char **argv);
int cmd_monitor(struct ctl *c, int argc, char **argv);

/* groups.c: the group list (lineGetGroupList), for resolving names. */
int groups_fetch(struct ctl *c, LINEAGENTGROUPLIST **out);
/* Resolve GROUP (a GUID, or a name in list) to *g; 0 or an exit code. */
int group_resolve(struct ctl *c, const LINEAGENTGROUPLIST *list, const char *arg, GUID *g);
/* The same, fetching the list with lineGetGroupList when arg is a name. */
int group_arg(struct ctl *c, const char *arg, GUID *g);
/* The name of group g in list, or NULL. */
const char *group_name(const LINEAGENTGROUPLIST *list, const GUID *g);
/* One record (group, name) per entry of list; *n of them.  NULL: no memory. */
struct rec *group_rows(const LINEAGENTGROUPLIST *list, size_t *n);

#endif
