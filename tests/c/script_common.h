/*
 * What the C transcript harnesses share (tests/c/run_scripts.c,
 * run_client_scripts.c and run_etp_scripts.c): memory and growable
 * buffers, (pointer, length) strings, the error text, the escapes of
 * transcript fields and RFC 5734 frames, hex, and the golden loop over a
 * folder (every NAME.script run and compared with NAME.transcript, the
 * first difference printed). One copy, so that the three harnesses word
 * their transcripts and reports the same way.
 *
 * Header-only: every function is `static inline`, so that a harness that
 * does not use one is still clean under -Wall -Wextra -Werror -pedantic.
 * Define SCRIPT_PROG (the program's name, for its messages) and
 * _POSIX_C_SOURCE before including it.
 */
#ifndef SCRIPT_COMMON_H
#define SCRIPT_COMMON_H

#ifndef SCRIPT_PROG
#error "define SCRIPT_PROG (the harness's name) before including script_common.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epp.h"

/* ------------------------------------------------------------------ */
/* Memory, strings, buffers                                             */
/* ------------------------------------------------------------------ */

_Noreturn static inline void out_of_memory(void) {
    fputs(SCRIPT_PROG ": out of memory\n", stderr);
    exit(2);
}

/* Grows the array `*p` of `elem`-byte items, `len` of them in use, so
 * that it has room for `extra` more (`*cap` is its capacity in items). */
static inline void grow(void **p, size_t *cap, size_t len, size_t extra, size_t elem) {
    size_t c = *cap, need;
    void *q;
    if (extra > SIZE_MAX - len)
        out_of_memory();
    need = len + extra;
    if (need <= c && *p != NULL)
        return;
    if (c < 16)
        c = 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            out_of_memory();
        c *= 2;
    }
    if (c > SIZE_MAX / elem)
        out_of_memory();
    q = realloc(*p, c * elem);
    if (q == NULL)
        out_of_memory();
    *p = q;
    *cap = c;
}

/* A borrowed (pointer, length) string, not NUL-terminated. */
typedef struct {
    const char *p;
    size_t n;
} str;

static inline bool str_is(str s, const char *lit) {
    size_t n = strlen(lit);
    return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

/* Splits `s` at its first space: `*head` before it, `*rest` after it
 * ("" without a space). */
static inline void word(str s, str *head, str *rest) {
    const char *sp = s.n ? memchr(s.p, ' ', s.n) : NULL;
    if (sp == NULL) {
        *head = s;
        rest->p = s.p + s.n;
        rest->n = 0;
    } else {
        head->p = s.p;
        head->n = (size_t)(sp - s.p);
        rest->p = sp + 1;
        rest->n = s.n - head->n - 1;
    }
}

/* A growable byte buffer. */
typedef struct {
    char *p;
    size_t len, cap;
} buf;

static inline void buf_reserve(buf *b, size_t extra) {
    void *p = b->p;
    grow(&p, &b->cap, b->len, extra, 1);
    b->p = p;
}

static inline void buf_put(buf *b, const void *data, size_t n) {
    if (n == 0)
        return;
    buf_reserve(b, n);
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static inline void buf_puts(buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static inline void buf_putc(buf *b, char c) { buf_put(b, &c, 1); }

static inline void buf_str(buf *b, str s) { buf_put(b, s.p, s.n); }

static inline void buf_printf(buf *b, const char *fmt, ...) {
    va_list ap, ap2;
    int n;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        fputs(SCRIPT_PROG ": vsnprintf failed\n", stderr);
        exit(2);
    }
    buf_reserve(b, (size_t)n + 1); /* vsnprintf writes a NUL */
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

/* A NUL-terminated copy of the buffer's text, valid until it changes. */
static inline const char *buf_cstr(buf *b) {
    buf_reserve(b, 1);
    b->p[b->len] = '\0';
    return b->p;
}

static inline void buf_free(buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Whether `n` bytes at `s` are UTF-8 (as Rust's str::from_utf8 says: no
 * overlong forms, no surrogates, nothing past U+10FFFF). */
static inline bool utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0, k, need;
    uint32_t cp, min;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1, cp = c & 0x1Fu, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2, cp = c & 0x0Fu, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3, cp = c & 0x07u, min = 0x10000;
        } else {
            return false;
        }
        if (n - i - 1 < need)
            return false;
        for (k = 1; k <= need; k++) {
            unsigned char d = s[i + k];
            if ((d & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (d & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

/* A short description of an epp_result, from the library. */
static inline const char *describe(epp_result r) {
    static char text[EPP_RESULT_DESCRIBE_MAX];
    size_t n = 0;
    if (epp_result_describe(r, text, sizeof text, &n) != EPP_RESULT_OK)
        snprintf(text, sizeof text, "(no description)");
    return text;
}

/* An error message: a script error or an unexpected epp_result. */
typedef struct {
    char text[1024];
} error;

static inline int fail(error *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    return -1;
}

/* Prefixes `e` with "line N: " and follows it with ": LINE", as the
 * reference runner words a script error. */
static inline int fail_at(error *e, size_t lineno, str line) {
    char inner[sizeof e->text];
    memcpy(inner, e->text, sizeof inner);
    /* A message too long for the buffer is cut short. */
    if (snprintf(e->text, sizeof e->text, "line %zu: %s: %.*s", lineno, inner,
                 line.n > 200 ? 200 : (int)line.n, line.p) < 0)
        snprintf(e->text, sizeof e->text, "line %zu: %s", lineno, "(message lost)");
    return -1;
}

/* An epp_result other than EPP_RESULT_OK where none was expected. */
static inline int api_fail(error *e, const char *call, epp_result r) {
    return fail(e, "%s returned %u (%s)", call, (unsigned)r, describe(r));
}

#define API(e, call)                                                           \
    do {                                                                       \
        epp_result r_ = (call);                                                \
        if (r_ != EPP_RESULT_OK)                                               \
            return api_fail((e), #call, r_);                                   \
    } while (0)

/* ------------------------------------------------------------------ */
/* Script lines and fields                                              */
/* ------------------------------------------------------------------ */

/* The next line of a script's `len` bytes at `text` that is neither blank
 * nor a `#` comment, without its CR: lines are separated by LF, so n LFs
 * make n + 1 lines, the last one possibly empty. `*pos` and `*lineno`
 * start at 0 and move on; false after the last line. */
static inline bool next_line(const char *text, size_t len, size_t *pos, size_t *lineno,
                             str *line) {
    while (*pos <= len) {
        const char *start = text + *pos;
        const char *nl = *pos < len ? memchr(start, '\n', len - *pos) : NULL;
        line->p = start;
        line->n = nl ? (size_t)(nl - start) : len - *pos;
        *pos += line->n + 1; /* past `len` after the last line */
        ++*lineno;
        if (line->n > 0 && line->p[line->n - 1] == '\r')
            line->n--;
        if (line->n > 0 && line->p[0] != '#')
            return true;
    }
    return false;
}

static inline int parse_u64(error *e, str s, const char *what, uint64_t *out) {
    uint64_t v = 0;
    size_t i;
    if (s.n == 0)
        return fail(e, "%s: \"%.*s\" is not a decimal number", what, (int)s.n, s.p);
    for (i = 0; i < s.n; i++) {
        unsigned d;
        if (s.p[i] < '0' || s.p[i] > '9')
            return fail(e, "%s: \"%.*s\" is not a decimal number", what,
                        s.n > 40 ? 40 : (int)s.n, s.p);
        d = (unsigned)(s.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return fail(e, "%s: \"%.*s\": number too large", what, s.n > 40 ? 40 : (int)s.n, s.p);
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* The bytes of an RFC 5734 frame holding `xml`, into `*data` (allocated)
 * and `*len`. */
static inline int frame_bytes(error *e, str xml, uint8_t **data, size_t *len) {
    if (xml.n > UINT32_MAX - 4)
        return fail(e, "frame too long");
    *data = malloc(xml.n + 4);
    if (*data == NULL)
        out_of_memory();
    (*data)[0] = (uint8_t)((xml.n + 4) >> 24);
    (*data)[1] = (uint8_t)((xml.n + 4) >> 16);
    (*data)[2] = (uint8_t)((xml.n + 4) >> 8);
    (*data)[3] = (uint8_t)(xml.n + 4);
    if (xml.n)
        memcpy(*data + 4, xml.p, xml.n);
    *len = xml.n + 4;
    return 0;
}

static inline int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The bytes of a `raw` line: an even, non-zero number of hex digits in
 * either case, spaces anywhere, into `*data` (allocated; the caller frees
 * it, even on an error) and `*len`. */
static inline int parse_raw_hex(error *e, str s, uint8_t **data, size_t *len) {
    size_t i, digits = 0, k = 0;
    int hi = -1;
    for (i = 0; i < s.n; i++)
        if (s.p[i] != ' ')
            digits++;
    if (digits == 0 || digits % 2 != 0)
        return fail(e, "raw: \"%.*s\" is not an even, non-zero number of hex digits",
                    s.n > 60 ? 60 : (int)s.n, s.p);
    *data = malloc(digits / 2);
    if (*data == NULL)
        out_of_memory();
    for (i = 0; i < s.n; i++) {
        int d;
        if (s.p[i] == ' ')
            continue;
        d = hex_digit(s.p[i]);
        if (d < 0)
            return fail(e, "raw: '%c' is not a hex digit", s.p[i]);
        if (hi < 0) {
            hi = d;
        } else {
            (*data)[k++] = (uint8_t)(hi << 4 | d);
            hi = -1;
        }
    }
    *len = k;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Transcript lines                                                     */
/* ------------------------------------------------------------------ */

/* A frame's XML for a frame line: `\`, LF and CR escaped. */
static inline void put_frame_text(buf *t, const char *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        switch (p[i]) {
        case '\\': buf_puts(t, "\\\\"); break;
        case '\n': buf_puts(t, "\\n"); break;
        case '\r': buf_puts(t, "\\r"); break;
        default: buf_putc(t, p[i]);
        }
    }
}

/* A text value, escaped so that it contains no space: `\` `\\`, space
 * `\s`, LF `\n`, CR `\r`, tab `\t`, other bytes below 0x20 and 0x7F
 * `\xHH`; everything else (UTF-8 included) as is. */
static inline void put_text(buf *t, const char *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        switch (c) {
        case '\\': buf_puts(t, "\\\\"); break;
        case ' ': buf_puts(t, "\\s"); break;
        case '\n': buf_puts(t, "\\n"); break;
        case '\r': buf_puts(t, "\\r"); break;
        case '\t': buf_puts(t, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                buf_printf(t, "\\x%02x", (unsigned)c);
            else
                buf_putc(t, (char)c);
        }
    }
}

/* A field value, escaped so that it holds no space (put_text). */
static inline void put_field(buf *t, str s) { put_text(t, s.p, s.n); }

/* An optional field: `-` when absent. */
static inline void put_opt_field(buf *t, str s) {
    if (s.p == NULL)
        buf_putc(t, '-');
    else
        put_field(t, s);
}

/* Lowercase hex without spaces; `-` for no bytes. */
static inline void put_hex(buf *t, const uint8_t *p, size_t n) {
    size_t i;
    if (n == 0) {
        buf_putc(t, '-');
        return;
    }
    for (i = 0; i < n; i++)
        buf_printf(t, "%02x", p[i]);
}

/* The frame lines (`MARK XML`, or `MARK raw HEX` for a frame that is
 * not UTF-8 or not complete) of a step's output: one per frame. */
static inline void frame_lines(buf *t, char mark, const uint8_t *p, size_t n) {
    while (n > 0) {
        size_t len;
        if (n < 4) {
            len = 0;
        } else {
            len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | (size_t)p[3];
        }
        if (len < 4 || len > n) {
            buf_putc(t, mark);
            buf_puts(t, " raw ");
            put_hex(t, p, n);
            buf_putc(t, '\n');
            return;
        }
        if (utf8_valid(p + 4, len - 4)) {
            buf_putc(t, mark);
            buf_putc(t, ' ');
            put_frame_text(t, (const char *)p + 4, len - 4);
        } else {
            buf_putc(t, mark);
            buf_puts(t, " raw ");
            put_hex(t, p, len);
        }
        buf_putc(t, '\n');
        p += len;
        n -= len;
    }
}

/* ------------------------------------------------------------------ */
/* Files and the report                                                 */
/* ------------------------------------------------------------------ */

/* Reads a whole file into `b` (replacing its content); 0 or an errno. */
static inline int read_file(const char *path, buf *b) {
    FILE *f = fopen(path, "rb");
    int err = 0;
    b->len = 0;
    if (f == NULL)
        return errno ? errno : EIO;
    for (;;) {
        size_t got;
        buf_reserve(b, 65536);
        got = fread(b->p + b->len, 1, b->cap - b->len, f);
        b->len += got;
        if (got == 0) {
            if (ferror(f))
                err = EIO;
            break;
        }
    }
    if (fclose(f) != 0 && err == 0)
        err = EIO;
    return err;
}

/* Prints `p[from..to)` of a line, moved off UTF-8 continuation bytes. */
static inline void print_window(const char *label, const char *p, size_t n, size_t at) {
    const size_t before = 80, after = 160;
    size_t from = at > before ? at - before : 0, to = n - at > after ? at + after : n;
    while (from > 0 && ((unsigned char)p[from] & 0xC0) == 0x80)
        from--;
    while (to < n && ((unsigned char)p[to] & 0xC0) == 0x80)
        to++;
    printf("    %s %s%.*s%s\n", label, from > 0 ? "..." : "", (int)(to - from), p + from,
           to < n ? "..." : "");
}

/* Prints where `actual` first differs from `expected`: the line, and
 * both versions of it around the first differing byte. */
static inline void print_difference(const char *name, const char *mode, const buf *expected,
                             const buf *actual) {
    size_t d = 0, line = 1, start = 0, i, elen, alen;
    size_t min = expected->len < actual->len ? expected->len : actual->len;
    while (d < min && expected->p[d] == actual->p[d])
        d++;
    for (i = 0; i < d; i++) {
        if (expected->p[i] == '\n') {
            line++;
            start = i + 1;
        }
    }
    for (elen = start; elen < expected->len && expected->p[elen] != '\n'; elen++)
        ;
    for (alen = start; alen < actual->len && actual->p[alen] != '\n'; alen++)
        ;
    printf("FAIL %s (%s): line %zu differs from %s.transcript at column %zu\n", name, mode, line,
           name, d - start + 1);
    if (start >= expected->len)
        printf("    expected: (end of transcript)\n");
    else
        print_window("expected:", expected->p + start, elen - start, d - start);
    if (start >= actual->len)
        printf("    actual:   (end of transcript)\n");
    else
        print_window("actual:  ", actual->p + start, alen - start, d - start);
    if (elen - start == alen - start && start < expected->len && start < actual->len &&
        memcmp(expected->p + start, actual->p + start, elen - start) == 0)
        printf("    (the lines are equal; one transcript lacks the final LF)\n");
}

static inline int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline bool has_suffix(const char *s, const char *suffix, size_t *stem) {
    size_t n = strlen(s), k = strlen(suffix);
    if (n <= k || strcmp(s + n - k, suffix) != 0)
        return false;
    *stem = n - k;
    return true;
}

static inline void free_names(char **names, size_t n) {
    size_t i;
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Lists the stems of DIR's files ending in `suffix`, sorted. */
static inline int list(const char *dir, const char *suffix, char ***out, size_t *count) {
    DIR *d = opendir(dir);
    struct dirent *ent;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int err;
    if (d == NULL)
        return errno ? errno : EIO;
    while ((errno = 0, ent = readdir(d)) != NULL) {
        size_t stem;
        void *p = names;
        if (!has_suffix(ent->d_name, suffix, &stem))
            continue;
        grow(&p, &cap, n, 1, sizeof *names);
        names = p;
        names[n] = malloc(stem + 1);
        if (names[n] == NULL)
            out_of_memory();
        memcpy(names[n], ent->d_name, stem);
        names[n][stem] = '\0';
        n++;
    }
    err = errno;
    closedir(d);
    if (err != 0) {
        free_names(names, n);
        return err;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, compare_names);
    *out = names;
    *count = n;
    return 0;
}

/* Reads DIR/NAME.transcript into `expected` and DIR/NAME.script into
 * `text` (a new buffer the caller owns); prints the FAIL line and returns
 * false when either cannot be read. */
static inline bool read_script_files(const char *dir, const char *name, buf *path, buf *expected,
                                     buf *text) {
    int err;
    path->len = 0;
    buf_printf(path, "%s/%s.transcript", dir, name);
    err = read_file(buf_cstr(path), expected);
    if (err != 0) {
        printf("FAIL %s: %s: %s\n", name, buf_cstr(path), strerror(err));
        return false;
    }
    path->len = 0;
    buf_printf(path, "%s/%s.script", dir, name);
    err = read_file(buf_cstr(path), text);
    if (err != 0) {
        printf("FAIL %s: %s: %s\n", name, buf_cstr(path), strerror(err));
        buf_free(text);
        return false;
    }
    return true;
}

/* Whether `actual` equals `expected` byte for byte; prints the first
 * difference when not. */
static inline bool same_transcript(const char *name, const char *mode, const buf *expected,
                                   const buf *actual) {
    if (actual->len != expected->len ||
        (actual->len > 0 && memcmp(actual->p, expected->p, actual->len) != 0)) {
        print_difference(name, mode, expected, actual);
        return false;
    }
    return true;
}

/* What the golden loop needs of a harness: its script type (behind
 * `void *`), parsed from a script's text and run two ways. */
typedef struct {
    const char *what;      /* the scripts, as the heading names them */
    const char *modes[2];  /* the two runs, as the report names them */
    size_t script_size;    /* sizeof the harness's script */
    /* Parses `text` (`len` bytes, owned by the script from now on, even
     * on an error) into the zeroed `script`. */
    int (*parse)(error *e, void *script, char *text, size_t len);
    /* Runs the script the first (`second` false) or second way into `t`. */
    int (*run)(error *e, const void *script, bool second, buf *t);
    void (*free)(void *script); /* frees what the script holds */
} harness;

/* Runs DIR/NAME.script both ways and prints its line; true when it
 * passed. */
static inline bool check_script(const harness *h, const char *dir, const char *name, buf *path,
                                buf *expected, buf *actual) {
    buf text = {NULL, 0, 0};
    error e;
    size_t m;
    bool ok = true;
    void *s;
    if (!read_script_files(dir, name, path, expected, &text))
        return false;
    s = calloc(1, h->script_size);
    if (s == NULL)
        out_of_memory();
    if (h->parse(&e, s, text.p, text.len) != 0) {
        printf("FAIL %s: %s.script: %s\n", name, name, e.text);
        h->free(s);
        free(s);
        return false;
    }
    for (m = 0; m < 2; m++) {
        if (h->run(&e, s, m == 1, actual) != 0) {
            printf("FAIL %s (%s): %s.script: %s\n", name, h->modes[m], name, e.text);
            ok = false;
        } else if (!same_transcript(name, h->modes[m], expected, actual)) {
            ok = false;
        }
    }
    if (ok)
        printf("ok   %s\n", name);
    h->free(s);
    free(s);
    return ok;
}

/* The golden loop, a harness's main: every NAME.script of the folder
 * argv[1], in name order, through check_script; a NAME.transcript
 * without its script fails. Prints "N passed, M failed"; returns the exit
 * status: 0 when everything passed, 1 on a failure, 2 on a usage or I/O
 * error. */
static inline int run_folder(int argc, char **argv, const harness *h) {
    char **scripts = NULL, **transcripts = NULL;
    size_t n_scripts = 0, n_transcripts = 0, i, j;
    int err, passed = 0, failed = 0;
    buf path = {NULL, 0, 0}, expected = {NULL, 0, 0}, actual = {NULL, 0, 0};
    const char *dir;
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRIPTS_DIR\n", argc > 0 ? argv[0] : SCRIPT_PROG);
        return 2;
    }
    dir = argv[1];
    if ((err = list(dir, ".script", &scripts, &n_scripts)) != 0 ||
        (err = list(dir, ".transcript", &transcripts, &n_transcripts)) != 0) {
        fprintf(stderr, SCRIPT_PROG ": %s: %s\n", dir, strerror(err));
        free_names(scripts, n_scripts);
        return 2;
    }
    printf("libepp %s: %s of %s through the C API\n", epp_version(), h->what, dir);
    if (n_scripts == 0) {
        printf("FAIL no *.script in %s\n", dir);
        failed++;
    }
    for (i = 0; i < n_scripts; i++) {
        if (check_script(h, dir, scripts[i], &path, &expected, &actual))
            passed++;
        else
            failed++;
        fflush(stdout);
    }
    /* A transcript without its script is stale. */
    for (i = 0; i < n_transcripts; i++) {
        for (j = 0; j < n_scripts; j++)
            if (strcmp(transcripts[i], scripts[j]) == 0)
                break;
        if (j == n_scripts) {
            printf("FAIL %s.transcript: no %s.script beside it\n", transcripts[i], transcripts[i]);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    free_names(scripts, n_scripts);
    free_names(transcripts, n_transcripts);
    buf_free(&path);
    buf_free(&expected);
    buf_free(&actual);
    return failed == 0 ? 0 : 1;
}

#endif /* SCRIPT_COMMON_H */
