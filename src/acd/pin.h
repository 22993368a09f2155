/*
 * pin.h - agent PINs: the rules, Argon2id hashing (libsodium), reading one
 * from standard input or a terminal.
 *
 * A PIN is 1..PIN_MAX_LEN bytes of UTF-8 without control characters
 * (U+0000..U+001F, U+007F..U+009F); anything else printable, spaces
 * included, is allowed.  Only its Argon2id hash is ever stored, and no
 * function here puts a PIN into a message.
 */
#ifndef TAPIX_ACD_PIN_H
#define TAPIX_ACD_PIN_H

#include <stdbool.h>
#include <stddef.h>

#define PIN_MAX_LEN 64   /* bytes, without the NUL */
#define PIN_HASH_MAX 128 /* hash string incl. NUL (== ST_HASH_MAX) */

/* Initialise libsodium once (later calls are cheap).  0, or -1 when it
   cannot be used. */
int pin_init(void);

/* NULL when pin[0..len) follows the rules, else what is wrong with it (a
   message without the PIN). */
const char *pin_check(const char *pin, size_t len);

/* Hash the NUL-terminated pin into out (an Argon2id string of at most
   PIN_HASH_MAX bytes incl. NUL).  0, or -1 (bad PIN or out of memory). */
int pin_make_hash(const char *pin, char out[PIN_HASH_MAX]);

/* True when pin matches hash.  An empty or malformed hash matches nothing. */
bool pin_verify(const char *hash, const char *pin);

/*
 * Read one PIN from fd into buf (cap >= PIN_MAX_LEN + 1 bytes): up to the
 * first newline or end of input; one trailing "\n" (or "\r\n") is dropped.
 * When fd is a terminal the prompt goes to stderr and echo is off while
 * reading (restored on return, and before an interrupting signal takes
 * effect).  Returns the PIN's length, or -1 with a message in err (empty
 * input, too long, not allowed by the rules, read error).  buf is wiped on
 * failure.
 */
int pin_read(int fd, const char *prompt, char *buf, size_t cap, char *err, size_t errlen);

#endif
