/* pin.c - agent PINs: rules, Argon2id hashing, reading (pin.h). */
#include "pin.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "store.h"
#include "utf.h"

_Static_assert(crypto_pwhash_STRBYTES <= PIN_HASH_MAX, "Argon2 strings must fit PIN_HASH_MAX");
_Static_assert(PIN_HASH_MAX == ST_HASH_MAX, "the store keeps PIN_HASH_MAX-byte hashes");

int pin_init(void)
{
    /* sodium_init is thread-safe and returns 1 once it has run. */
    return sodium_init() < 0 ? -1 : 0;
}

const char *pin_check(const char *pin, size_t len)
{
    if (len == 0)
        return "the PIN is empty";
    if (len > PIN_MAX_LEN)
        return "the PIN is too long (at most 64 bytes)";
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        long k = utf8_decode(pin + i, len - i, &cp);
        if (k < 0)
            return "the PIN is not valid UTF-8";
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            return "the PIN contains a control character";
        i += (size_t)k;
    }
    return NULL;
}

int pin_make_hash(const char *pin, char out[PIN_HASH_MAX])
{
    size_t len = strnlen(pin, PIN_MAX_LEN + 1);
    out[0] = '\0';
    if (pin_check(pin, len) || pin_init() < 0)
        return -1;
    if (crypto_pwhash_str_alg(out, pin, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

bool pin_verify(const char *hash, const char *pin)
{
    if (!hash || !pin || !hash[0] || strnlen(hash, PIN_HASH_MAX) == PIN_HASH_MAX)
        return false;
    size_t len = strnlen(pin, PIN_MAX_LEN + 1);
    if (len == 0 || len > PIN_MAX_LEN || pin_init() < 0)
        return false;
    return crypto_pwhash_str_verify(hash, pin, len) == 0;
}

/* ---- reading ------------------------------------------------------------------ */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
#define NCAUGHT (sizeof caught / sizeof caught[0])

int pin_read(int fd, const char *prompt, char *buf, size_t cap, char *err, size_t errlen)
{
    char tmp[PIN_MAX_LEN + 2]; /* the PIN, and room for a "\r" before "\n" */
    size_t n = 0;
    bool newline = false, too_long = false;
    int result = -1;
    const char *why = NULL;
    struct termios old;
    struct sigaction olds[NCAUGHT];
    bool tty = isatty(fd) && tcgetattr(fd, &old) == 0;

    if (errlen)
        err[0] = '\0';
    if (cap)
        buf[0] = '\0';
    if (tty) {
        got_signal = 0;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal; /* no SA_RESTART: read returns EINTR */
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < NCAUGHT; i++)
            sigaction(caught[i], &sa, &olds[i]);
        if (prompt && *prompt) {
            ssize_t w = write(STDERR_FILENO, prompt, strlen(prompt));
            (void)w;
        }
        struct termios quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }

    for (;;) {
        char c;
        ssize_t k = read(fd, &c, 1);
        if (k < 0) {
            if (errno == EINTR && !got_signal)
                continue;
            why = errno == EINTR ? "interrupted" : strerror(errno);
            break;
        }
        if (k == 0)
            break;
        if (c == '\n') {
            newline = true;
            break;
        }
        if (n < sizeof tmp)
            tmp[n++] = c;
        else
            too_long = true; /* read on to the end of the line, keep nothing */
    }

    if (tty) {
        tcsetattr(fd, TCSAFLUSH, &old);
        ssize_t w = write(STDERR_FILENO, "\n", 1); /* the newline echo did not print */
        (void)w;
        for (size_t i = 0; i < NCAUGHT; i++)
            sigaction(caught[i], &olds[i], NULL);
    }

    if (!why) {
        if (newline && n > 0 && tmp[n - 1] == '\r')
            n--;
        if (too_long || n > PIN_MAX_LEN)
            why = "the PIN is too long (at most 64 bytes)";
        else if (n == 0)
            why = newline ? "the PIN is empty" : "no PIN on standard input";
        else if (n + 1 > cap)
            why = "the PIN does not fit the buffer";
        else
            why = pin_check(tmp, n);
    }
    if (!why) {
        memcpy(buf, tmp, n);
        buf[n] = '\0';
        result = (int)n;
    } else {
        snprintf(err, errlen, "%s", why);
        if (cap)
            sodium_memzero(buf, cap);
    }
    sodium_memzero(tmp, sizeof tmp);
    if (tty && got_signal) {
        /* Terminal restored: now let the signal do what it would have. */
        int sig = got_signal;
        got_signal = 0;
        raise(sig);
    }
    return result;
}
