/*
 * epp-example: a single-threaded, poll(2)-driven EPP server in C on libepp,
 * the C counterpart of `eppd --plain`. Plain TCP (no TLS), any number of
 * sessions, registrars and service messages held in memory, object
 * commands answered 2101 (unimplemented).
 *
 *   epp-example [--listen ADDR:PORT] [--registrar CLID:PASSWORD]...
 *               [--message CLID:TEXT]... [--max-sessions-per-registrar N]
 *
 * Per connection the host loop is read -> feed -> poll -> answer -> write,
 * plus the timer: it reads only while epp_session_wants_input says so, gives
 * the session every byte read (the session holds what it cannot handle
 * yet), answers every request at once, and writes what the session has.
 *
 * --listen defaults to 127.0.0.1:7700; port 0 picks a free port. The first
 * line on stdout is "epp-example listening on ADDR:PORT". One log line per
 * response on stderr (never a password). SIGINT or SIGTERM stops the server
 * cleanly.
 *
 * Build: make example, or
 *   cc -std=c11 epp_example.c $(pkg-config --cflags --libs epp)
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "epp.h"

#define S(lit) (lit), (sizeof(lit) - 1)
/* The most read from a socket at once. */
#define READ_CHUNK 65536
/* How long pending output may wait for the client to take any of it. */
#define WRITE_TIMEOUT_MS 30000u

/* ------------------------------------------------------------------ */
/* The in-memory back end                                              */
/* ------------------------------------------------------------------ */

struct registrar {
    char *client_id;
    char *password;
};

struct message {
    uint64_t id;
    uint64_t queued_at_ms;
    char *client_id;
    char *text;
    struct message *next; /* global list, oldest first */
};

static struct registrar *registrars;
static size_t n_registrars;
static struct message *messages;
static uint64_t last_message_id;

static char *dup_n(const char *p, size_t n) {
    char *s = malloc(n + 1);
    if (!s) {
        perror("malloc");
        exit(1);
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static bool equal_n(const char *a, const char *b, size_t bn) {
    return strlen(a) == bn && memcmp(a, b, bn) == 0;
}

/* Compares without stopping at the first difference. */
static bool password_matches(const char *stored, const char *given, size_t n) {
    size_t len = strlen(stored), i;
    unsigned char diff = (unsigned char)(len != n);
    for (i = 0; i < n; i++)
        diff |= (unsigned char)(given[i] ^ (i < len ? stored[i] : 0));
    return diff == 0;
}

static struct registrar *find_registrar(const char *id, size_t n) {
    size_t i;
    for (i = 0; i < n_registrars; i++)
        if (equal_n(registrars[i].client_id, id, n))
            return &registrars[i];
    return NULL;
}

static void add_message(const char *client_id, const char *text, uint64_t now) {
    struct message *m = calloc(1, sizeof *m), **tail = &messages;
    if (!m) {
        perror("calloc");
        exit(1);
    }
    m->id = ++last_message_id;
    m->queued_at_ms = now;
    m->client_id = dup_n(client_id, strlen(client_id));
    m->text = dup_n(text, strlen(text));
    while (*tail)
        tail = &(*tail)->next;
    *tail = m;
}

/* The oldest message of a client, and how many it has. */
static struct message *oldest_message(const char *id, size_t n, uint64_t *count) {
    struct message *m, *first = NULL;
    *count = 0;
    for (m = messages; m; m = m->next) {
        if (equal_n(m->client_id, id, n)) {
            if (!first)
                first = m;
            ++*count;
        }
    }
    return first;
}

/* Removes a client's message; false when it has none with that id. */
static bool remove_message(const char *id, size_t n, uint64_t msg_id, uint64_t *remaining) {
    struct message **pm = &messages, *m;
    for (; (m = *pm); pm = &m->next) {
        if (m->id == msg_id && equal_n(m->client_id, id, n)) {
            *pm = m->next;
            free(m->client_id);
            free(m->text);
            free(m);
            oldest_message(id, n, remaining);
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Connections                                                          */
/* ------------------------------------------------------------------ */

/* A connection is its socket and its session: the session holds whatever
 * was read and not yet handled, so the host keeps no input buffer. */
struct conn {
    int fd;
    epp_session *session;
    bool dead;
    uint64_t stalled_since; /* output pending and none taken since (ms), or 0 */
    char peer[64];
};

static struct conn **conns;
static size_t n_conns;
static unsigned char read_buf[READ_CHUNK]; /* one thread: shared by all */
static epp_response *unimplemented; /* 2101, shared by every answer */
static volatile sig_atomic_t stopping;

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *result_text(epp_result r) {
    static char buf[EPP_RESULT_DESCRIBE_MAX];
    size_t n;
    if (epp_result_describe(r, buf, sizeof buf, &n) != EPP_RESULT_OK)
        snprintf(buf, sizeof buf, "epp_result %u", (unsigned)r);
    return buf;
}

/* Logs a failed libepp call on a connection and closes its session. */
static void conn_fail(struct conn *c, const char *what, epp_result r) {
    const char *p = NULL;
    size_t n = 0;
    if (epp_session_get_last_error(c->session, &p, &n) != EPP_RESULT_OK)
        p = NULL, n = 0;
    fprintf(stderr, "%s: %s failed: %s%s%.*s\n", c->peer, what, result_text(r),
            p ? ": " : "", (int)n, p ? p : "");
    if (r == EPP_RESULT_PANIC || epp_session_close(c->session) != EPP_RESULT_OK)
        c->dead = true;
}

#define TRY(c, call)                                                           \
    do {                                                                       \
        epp_result r_ = (call);                                                \
        if (r_ != EPP_RESULT_OK) {                                             \
            conn_fail((c), #call, r_);                                         \
            return;                                                            \
        }                                                                      \
    } while (0)

static void answer_login(struct conn *c, const epp_request *r, uint64_t id) {
    const char *clid, *pw, *new_pw;
    size_t clid_n, pw_n, new_pw_n;
    struct registrar *reg;
    epp_login_answer answer = EPP_LOGIN_ANSWER_BAD_CREDENTIALS;
    uint16_t code = 0;
    TRY(c, epp_request_get_client_id(r, &clid, &clid_n));
    TRY(c, epp_request_get_password(r, &pw, &pw_n));
    TRY(c, epp_request_get_new_password(r, &new_pw, &new_pw_n));
    reg = find_registrar(clid, clid_n);
    if (reg && password_matches(reg->password, pw, pw_n))
        answer = EPP_LOGIN_ANSWER_ACCEPTED;
    TRY(c, epp_session_answer_login(c->session, id, answer, &code));
    if (code == 1000 && new_pw) {
        free(reg->password);
        reg->password = dup_n(new_pw, new_pw_n);
    }
}

static void answer_poll(struct conn *c, uint64_t id) {
    const char *clid;
    size_t clid_n;
    uint64_t count;
    struct message *m;
    epp_poll_message *pm = NULL;
    epp_result r;
    TRY(c, epp_session_get_client_id(c->session, &clid, &clid_n));
    m = clid ? oldest_message(clid, clid_n, &count) : NULL;
    if (!m) {
        TRY(c, epp_session_answer_poll_empty(c->session, id));
        return;
    }
    TRY(c, epp_poll_message_new(m->id, count, m->queued_at_ms, m->text, strlen(m->text), &pm));
    r = epp_session_answer_poll_message(c->session, id, pm);
    epp_poll_message_free(pm);
    if (r != EPP_RESULT_OK)
        conn_fail(c, "epp_session_answer_poll_message", r);
}

static void answer_ack(struct conn *c, const epp_request *r, uint64_t id) {
    const char *clid;
    size_t clid_n;
    uint64_t msg_id, remaining = 0;
    TRY(c, epp_request_get_message_id(r, &msg_id));
    TRY(c, epp_session_get_client_id(c->session, &clid, &clid_n));
    if (clid && remove_message(clid, clid_n, msg_id, &remaining))
        TRY(c, epp_session_answer_ack(c->session, id, remaining));
    else
        TRY(c, epp_session_answer_ack_unknown(c->session, id));
}

/* Decides every request waiting in the session's queue. */
static void handle_requests(struct conn *c) {
    for (;;) {
        epp_request *r = NULL;
        epp_request_kind kind;
        uint64_t id = 0;
        const char *p;
        size_t n;
        epp_result res = epp_session_poll_queue(c->session, &r);
        if (res != EPP_RESULT_OK) {
            conn_fail(c, "epp_session_poll_queue", res);
            return;
        }
        if (!r)
            return;
        if (epp_request_get_kind(r, &kind) != EPP_RESULT_OK)
            kind = 0;
        if (kind != EPP_REQUEST_KIND_SESSION_END && epp_request_get_id(r, &id) != EPP_RESULT_OK)
            kind = 0;
        switch (kind) {
        case EPP_REQUEST_KIND_LOGIN:
            answer_login(c, r, id);
            break;
        case EPP_REQUEST_KIND_POLL:
            answer_poll(c, id);
            break;
        case EPP_REQUEST_KIND_POLL_ACK:
            answer_ack(c, r, id);
            break;
        case EPP_REQUEST_KIND_COMMAND:
            res = epp_session_answer_command(c->session, id, unimplemented);
            if (res != EPP_RESULT_OK)
                conn_fail(c, "epp_session_answer_command", res);
            break;
        case EPP_REQUEST_KIND_SESSION_END:
            if (epp_request_get_close_reason_text(r, &p, &n) == EPP_RESULT_OK)
                fprintf(stderr, "%s: session ends: %.*s\n", c->peer, (int)n, p);
            break;
        default:
            /* A kind this program does not know (a newer libepp): fail it. */
            res = epp_session_answer_failure(c->session, id, NULL, 0);
            if (res != EPP_RESULT_OK)
                conn_fail(c, "epp_session_answer_failure", res);
            break;
        }
        epp_request_free(r);
        if (c->dead)
            return;
    }
}

/* One line per response: client, command, result code, svTRID. */
static void log_transactions(struct conn *c) {
    epp_transaction *t = NULL;
    while (!c->dead && epp_session_poll_transaction(c->session, &t) == EPP_RESULT_OK && t) {
        const char *cmd = NULL, *cl = NULL, *sv = NULL;
        size_t cmd_n = 0, cl_n = 0, sv_n = 0;
        uint16_t code = 0;
        /* A getter that fails leaves its out-parameters as they are: the
         * placeholders below. */
        if (epp_transaction_get_command(t, &cmd, &cmd_n) != EPP_RESULT_OK)
            cmd = NULL;
        if (epp_transaction_get_client_id(t, &cl, &cl_n) != EPP_RESULT_OK)
            cl = NULL;
        if (epp_transaction_get_server_transaction_id(t, &sv, &sv_n) != EPP_RESULT_OK)
            sv = NULL;
        if (epp_transaction_get_result_code(t, &code) != EPP_RESULT_OK)
            code = 0;
        if (!cl)
            cl = "-", cl_n = 1;
        if (!sv)
            sv = "-", sv_n = 1;
        if (!cmd)
            cmd = "?", cmd_n = 1;
        fprintf(stderr, "%s: clID=%.*s command=%.*s code=%u svTRID=%.*s\n", c->peer,
                (int)cl_n, cl, (int)cmd_n, cmd, (unsigned)code, (int)sv_n, sv);
        epp_transaction_free(t);
    }
}

/* Writes what the session has for the peer. Returns whether any byte went
 * out (which may let the session handle input it held, and queue requests);
 * a write error kills the connection. */
static bool flush_output(struct conn *c) {
    bool wrote = false;
    while (!c->dead) {
        const uint8_t *p = NULL;
        size_t n = 0;
        ssize_t w;
        epp_result r = epp_session_take_output(c->session, &p, &n);
        if (r != EPP_RESULT_OK) {
            conn_fail(c, "epp_session_take_output", r);
            break;
        }
        if (n == 0)
            break;
        w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                fprintf(stderr, "%s: send: %s\n", c->peer, strerror(errno));
                c->dead = true;
            }
            break;
        }
        if (w == 0)
            break;
        c->stalled_since = 0;
        wrote = true;
        r = epp_session_consume_output(c->session, (size_t)w);
        if (r != EPP_RESULT_OK) {
            conn_fail(c, "epp_session_consume_output", r);
            break;
        }
    }
    return wrote;
}

/* poll -> answer -> write, until the socket takes no more or nothing is
 * left: answers and written output let the session handle the input it
 * holds, which may queue more requests. */
static void serve(struct conn *c) {
    do {
        handle_requests(c);
        log_transactions(c);
    } while (!c->dead && flush_output(c));
}

static bool has_output(struct conn *c) {
    const uint8_t *p;
    size_t n = 0;
    return epp_session_take_output(c->session, &p, &n) == EPP_RESULT_OK && n > 0;
}

static bool wants_input(struct conn *c) {
    bool wants = false;
    return !c->dead && epp_session_wants_input(c->session, &wants) == EPP_RESULT_OK && wants;
}

/* read -> feed: one read (made only while the session wants input), every
 * byte of it given to the session. */
static void read_input(struct conn *c, uint64_t now) {
    ssize_t n = recv(c->fd, read_buf, sizeof read_buf, 0);
    epp_result r;
    if (n > 0) {
        r = epp_session_feed_input(c->session, read_buf, (size_t)n, now);
        if (r != EPP_RESULT_OK)
            conn_fail(c, "epp_session_feed_input", r);
    } else if (n == 0) {
        /* Takes effect once everything fed before is handled. */
        r = epp_session_handle_eof(c->session, now);
        if (r != EPP_RESULT_OK)
            conn_fail(c, "epp_session_handle_eof", r);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        fprintf(stderr, "%s: recv: %s\n", c->peer, strerror(errno));
        c->dead = true;
    }
}

static void accept_connections(int lfd, const epp_server *server, uint64_t now) {
    for (;;) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof sa;
        struct conn *c, **grown;
        int fd = accept(lfd, (struct sockaddr *)&sa, &salen);
        epp_result r;
        if (fd < 0)
            return; /* EAGAIN: no more for now */
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        c = calloc(1, sizeof *c);
        grown = realloc(conns, (n_conns + 1) * sizeof *conns);
        if (!c || !grown) {
            fprintf(stderr, "out of memory: refusing a connection\n");
            free(c);
            if (grown)
                conns = grown;
            close(fd);
            return;
        }
        conns = grown;
        c->fd = fd;
        if (sa.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&sa;
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &in->sin_addr, a, sizeof a);
            snprintf(c->peer, sizeof c->peer, "%s:%u", a, (unsigned)ntohs(in->sin_port));
        } else {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
            char a[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof a);
            snprintf(c->peer, sizeof c->peer, "[%s]:%u", a, (unsigned)ntohs(in6->sin6_port));
        }
        r = epp_session_new(server, now, &c->session);
        if (r != EPP_RESULT_OK) {
            fprintf(stderr, "%s: epp_session_new: %s\n", c->peer, result_text(r));
            free(c);
            close(fd);
            continue;
        }
        conns[n_conns++] = c;
        serve(c); /* the greeting */
    }
}

static void close_conn(struct conn *c) {
    epp_session_free(c->session);
    close(c->fd);
    free(c);
}

/* ------------------------------------------------------------------ */
/* Set-up                                                               */
/* ------------------------------------------------------------------ */

static void usage(FILE *f) {
    fprintf(f, "usage: epp-example [--listen ADDR:PORT] [--registrar CLID:PASSWORD]...\n"
               "                   [--message CLID:TEXT]... [--max-sessions-per-registrar N]\n");
}

static void on_signal(int sig) {
    (void)sig;
    stopping = 1;
}

/* Parses ADDR:PORT (IPv4, or [IPv6]:PORT) into a listening socket. */
static int listen_on(const char *spec, char *shown, size_t shown_len) {
    char host[128];
    const char *colon = strrchr(spec, ':');
    struct sockaddr_storage sa;
    socklen_t salen;
    char *end;
    unsigned long port;
    int fd, one = 1;
    size_t hl;
    memset(&sa, 0, sizeof sa);
    if (!colon || colon == spec)
        return -1;
    port = strtoul(colon + 1, &end, 10);
    if (*end || port > 65535 || colon[1] == '\0')
        return -1;
    hl = (size_t)(colon - spec);
    if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
        if (hl - 2 >= sizeof host)
            return -1;
        memcpy(host, spec + 1, hl - 2);
        host[hl - 2] = '\0';
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
            return -1;
        salen = sizeof *in6;
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        if (hl >= sizeof host)
            return -1;
        memcpy(host, spec, hl);
        host[hl] = '\0';
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
            return -1;
        salen = sizeof *in;
    }
    fd = socket(sa.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, salen) < 0 || listen(fd, 128) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (sa.ss_family == AF_INET)
        snprintf(shown, shown_len, "%s:%u", host,
                 (unsigned)ntohs(((struct sockaddr_in *)&sa)->sin_port));
    else
        snprintf(shown, shown_len, "[%s]:%u", host,
                 (unsigned)ntohs(((struct sockaddr_in6 *)&sa)->sin6_port));
    return fd;
}

/* The config and the server on it (which keeps its own references to the
 * config and the counter). */
static epp_server *make_server(epp_registrar_sessions *counter, uint64_t now) {
    static const char *const objects[] = {
        "urn:ietf:params:xml:ns:domain-1.0",
        "urn:ietf:params:xml:ns:contact-1.0",
        "urn:ietf:params:xml:ns:host-1.0",
    };
    epp_config_builder *b = NULL;
    epp_config *config = NULL;
    epp_server *server = NULL;
    epp_result r;
    size_t i;
    if (epp_config_builder_new(S("libepp C example server"), &b) != EPP_RESULT_OK)
        return NULL;
    r = EPP_RESULT_OK;
    for (i = 0; i < sizeof objects / sizeof objects[0] && r == EPP_RESULT_OK; i++)
        r = epp_config_builder_add_object_uri(b, objects[i], strlen(objects[i]));
    if (r == EPP_RESULT_OK)
        r = epp_config_builder_set_sv_trid_prefix(b, S("CEX"));
    if (r == EPP_RESULT_OK)
        r = epp_config_builder_set_sv_trid_epoch(b, now);
    if (r == EPP_RESULT_OK)
        r = epp_config_builder_set_transaction_log(b, true);
    if (r == EPP_RESULT_OK)
        r = epp_config_builder_build(b, &config);
    if (r != EPP_RESULT_OK) {
        const char *p = NULL;
        size_t n = 0;
        if (epp_config_builder_get_last_error(b, &p, &n) != EPP_RESULT_OK)
            p = NULL, n = 0;
        fprintf(stderr, "epp-example: config: %s: %.*s\n", result_text(r), (int)n, p ? p : "");
    }
    epp_config_builder_free(b);
    if (config && (r = epp_server_new(config, now, counter, &server)) != EPP_RESULT_OK)
        fprintf(stderr, "epp-example: server: %s\n", result_text(r));
    epp_config_free(config);
    return server;
}

int main(int argc, char **argv) {
    const char *listen_spec = "127.0.0.1:7700";
    long max_sessions = 0;
    char shown[160];
    epp_registrar_sessions *counter = NULL;
    epp_server *server;
    struct pollfd *pfds = NULL;
    struct sigaction sa;
    uint64_t start = now_ms();
    int lfd, i, status = 0;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL, *colon;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--plain") == 0)
            continue; /* plain TCP is all this example speaks */
        if (!v) {
            usage(stderr);
            return 2;
        }
        colon = strchr(v, ':');
        if (strcmp(a, "--listen") == 0) {
            listen_spec = v;
        } else if (strcmp(a, "--registrar") == 0 && colon && colon != v) {
            struct registrar *grown = realloc(registrars, (n_registrars + 1) * sizeof *registrars);
            if (!grown) {
                perror("realloc");
                return 1;
            }
            registrars = grown;
            registrars[n_registrars].client_id = dup_n(v, (size_t)(colon - v));
            registrars[n_registrars].password = dup_n(colon + 1, strlen(colon + 1));
            n_registrars++;
        } else if (strcmp(a, "--message") == 0 && colon && colon != v) {
            char *id = dup_n(v, (size_t)(colon - v));
            add_message(id, colon + 1, start);
            free(id);
        } else if (strcmp(a, "--max-sessions-per-registrar") == 0) {
            max_sessions = strtol(v, NULL, 10);
            if (max_sessions <= 0) {
                usage(stderr);
                return 2;
            }
        } else {
            usage(stderr);
            return 2;
        }
        i++;
    }

    if (max_sessions > 0 && epp_registrar_sessions_new((size_t)max_sessions, &counter) != EPP_RESULT_OK)
        return 1;
    server = make_server(counter, start);
    /* The server holds its own reference to the counter. */
    epp_registrar_sessions_free(counter);
    if (!server || epp_response_new(2101, &unimplemented) != EPP_RESULT_OK)
        return 1;

    lfd = listen_on(listen_spec, shown, sizeof shown);
    if (lfd < 0) {
        fprintf(stderr, "epp-example: cannot listen on %s: %s\n", listen_spec,
                errno ? strerror(errno) : "bad address");
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("epp-example listening on %s\n", shown);
    fflush(stdout);
    fprintf(stderr, "epp-example: libepp %s, %zu registrar(s), %" PRIu64 " message(s)\n",
            epp_version(), n_registrars, last_message_id);

    while (!stopping) {
        uint64_t now = now_ms(), next = EPP_TIMEOUT_NONE;
        size_t k, j;
        int timeout_ms, rc;
        struct pollfd *grown = realloc(pfds, (n_conns + 1) * sizeof *pfds);
        if (!grown) {
            perror("realloc");
            status = 1;
            break;
        }
        pfds = grown;
        pfds[0].fd = lfd;
        pfds[0].events = POLLIN;
        for (k = 0; k < n_conns; k++) {
            struct conn *c = conns[k];
            uint64_t t = EPP_TIMEOUT_NONE;
            pfds[k + 1].fd = c->fd;
            pfds[k + 1].events = 0;
            if (wants_input(c))
                pfds[k + 1].events |= POLLIN;
            if (has_output(c))
                pfds[k + 1].events |= POLLOUT;
            if (epp_session_get_next_timeout(c->session, &t) == EPP_RESULT_OK && t < next)
                next = t;
            if (c->stalled_since != 0 && c->stalled_since + WRITE_TIMEOUT_MS < next)
                next = c->stalled_since + WRITE_TIMEOUT_MS;
        }
        timeout_ms = next == EPP_TIMEOUT_NONE ? -1 : next <= now ? 0
                   : next - now > 60000 ? 60000 : (int)(next - now);
        rc = poll(pfds, n_conns + 1, timeout_ms);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            perror("poll");
            status = 1;
            break;
        }
        now = now_ms();
        for (k = 0; k < n_conns; k++) {
            struct conn *c = conns[k];
            bool closed = false;
            /* read -> feed */
            if ((pfds[k + 1].revents & (POLLIN | POLLHUP | POLLERR)) && wants_input(c))
                read_input(c, now);
            /* the timer */
            if (!c->dead && epp_session_handle_timeout(c->session, now, &closed) == EPP_RESULT_OK &&
                closed)
                fprintf(stderr, "%s: timed out\n", c->peer);
            /* poll -> answer -> write */
            serve(c);
            /* A client that takes none of its output for WRITE_TIMEOUT_MS
             * must not hold the connection (timeouts end the session, but
             * its pending output would wait forever). */
            if (!c->dead && has_output(c)) {
                if (c->stalled_since == 0) {
                    c->stalled_since = now;
                } else if (now - c->stalled_since >= WRITE_TIMEOUT_MS) {
                    fprintf(stderr, "%s: write timeout\n", c->peer);
                    c->dead = true;
                }
            }
            if (!c->dead) {
                bool finished = false;
                if (epp_session_is_finished(c->session, &finished) != EPP_RESULT_OK || finished)
                    c->dead = true;
            }
        }
        /* Drop finished connections. */
        for (k = 0, j = 0; k < n_conns; k++) {
            if (conns[k]->dead)
                close_conn(conns[k]);
            else
                conns[j++] = conns[k];
        }
        n_conns = j;
        if (pfds[0].revents & POLLIN)
            accept_connections(lfd, server, now);
    }

    fprintf(stderr, "epp-example: stopping, %zu connection(s) open\n", n_conns);
    while (n_conns > 0)
        close_conn(conns[--n_conns]);
    free(conns);
    free(pfds);
    close(lfd);
    epp_response_free(unimplemented);
    epp_server_free(server);
    while (messages) {
        struct message *m = messages;
        messages = m->next;
        free(m->client_id);
        free(m->text);
        free(m);
    }
    for (i = 0; i < (int)n_registrars; i++) {
        free(registrars[i].client_id);
        free(registrars[i].password);
    }
    free(registrars);
    return status;
}
