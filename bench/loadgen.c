/*
 * loadgen: fan-out load generator for roomcast (TCD chat-room protocol), IRC servers and NATS.
 *
 * Single thread, epoll, non-blocking sockets. C clients; client i joins room (i mod R) (in NATS:
 * subscribes to the subject room.<i mod R>);
 * clients 0..S-1 are the senders (so they are spread over the rooms). Once every join is
 * confirmed and the join notices have drained, each sender sends M messages, either as fast
 * as the server takes them (burst) or on a fixed total schedule (--rate). Every receiver
 * parses frames incrementally, checks per-sender order and records latency. One JSON object
 * is printed on stdout at the end; exit status 0 only if every expected delivery arrived
 * exactly once.
 *
 * With --ports (several nodes of one service, e.g. a roomcast cluster) the members of every
 * room alternate over the ports, and the latency of deliveries whose receiver reached another
 * port than the sender is also reported on its own (cross_*).
 *
 * Build: gcc -O2 -o bench/.build/loadgen bench/loadgen.c   (see bench/build-loadgen.sh)
 * Usage: loadgen --help
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define CARRY_MAX 2048          /* longest line (or NATS MSG header + payload) we accept */
#define NATS_MSG_MAX 1200       /* largest NATS MSG payload we accept: ours are <= 1000 + prefix */
#define RBUF_SIZE (256 * 1024)  /* shared read buffer */
#define EV_TIMER UINT32_MAX
#define EV_STDIN (UINT32_MAX - 1)
#define PORTS_MAX 16

enum proto { P_TCD, P_IRC, P_NATS };
enum cstate { C_IDLE, C_CONNECTING, C_REGISTERING, C_JOINING, C_JOINED, C_CLOSED };
enum phase { PH_JOIN, PH_DRAIN, PH_WAITGO, PH_SEND, PH_DONE };

struct pair {             /* what one receiver saw of one sender */
    uint32_t max_plus1;   /* highest seq seen + 1 */
};

struct client {
    int fd;
    int room;
    uint8_t state;
    uint8_t want_out;     /* EPOLLOUT registered */
    uint8_t in_chat;      /* tcd: inside a CHAT frame */
    uint8_t node;         /* index into o_ports of the port this client connects to */
    int room_ref, join_id;
    char *out;            /* pending outgoing bytes [out_off, out_len) */
    uint32_t out_off, out_len, out_cap;
    char *carry;          /* partial line from the last read */
    uint32_t carry_len;
    uint32_t pair_base;   /* index of this client's first pair */
};

struct sender {
    int client, witness;
    uint32_t sent, acked; /* acked: messages the witness has received */
};

/* ---- options ---- */
static enum proto o_proto = P_TCD;
static const char *o_host = "127.0.0.1";
static int o_ports[PORTS_MAX], o_nports = 0;
static int o_clients = 20, o_rooms = 2, o_senders = 2, o_messages = 50;
static int o_payload = 64, o_window = 16, o_maxunsent = 16384, o_conc = 8;
static double o_rate = 0, o_timeout = 60, o_settle = 5;
static int o_sync = 0;
static const char *o_oper = NULL; /* "name:pass" for IRC senders: OPER + MODE +F */

/* ---- state ---- */
static struct client *cl;
static struct sender *snd;
static struct pair *pairs;
static uint64_t *bitmaps;
static uint32_t bm_words;      /* 64-bit words per pair bitmap */
static int *room_members;
static int ep, tfd = -1;
static enum phase phase = PH_JOIN;
static struct sockaddr_in addr;
static char rbuf[RBUF_SIZE + CARRY_MAX];

static uint64_t t_start, t_joined, t_drained, t_first_send, t_last_delivery, t_last_progress;
static int next_connect, inflight, joined_count;
static uint64_t notices, notices_expected, deliveries, expected, duplicated, reordered;
static uint64_t foreign, errors, disconnects, sent_total, total_msgs;
static uint64_t rate_next;     /* rate mode: next global message index to schedule */
static int error_prints;
static int payload_max;        /* longest message text we will send (o_payload or the prefix) */
static int aborted;            /* a connection failed before the traffic started */

/* latency histogram: log-linear, 64 linear buckets then 32 sub-buckets per power of two */
#define H_BUCKETS (64 + 64 * 32)
struct hist {
    uint64_t b[H_BUCKETS], n, max;
};
static struct hist lat_all, lat_cross; /* every delivery; those to a client on another port */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void note_error(const char *what, int id, const char *line, size_t len) {
    errors++;
    if (error_prints++ < 5)
        fprintf(stderr, "loadgen: %s (client %d): %.*s\n", what, id, (int)(len > 200 ? 200 : len),
                line ? line : "");
}

static int h_index(uint64_t v) {
    if (v < 64) return (int)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 5;
    return 64 + (shift - 1) * 32 + (int)((v >> shift) - 32);
}

static uint64_t h_value(int idx) { /* midpoint of a bucket */
    if (idx < 64) return (uint64_t)idx;
    int shift = (idx - 64) / 32 + 1;
    uint64_t mant = (uint64_t)((idx - 64) % 32 + 32);
    return (mant << shift) + ((1ull << shift) >> 1);
}

static void h_add(struct hist *h, uint64_t v) {
    h->b[h_index(v)]++;
    h->n++;
    if (v > h->max) h->max = v;
}

static double h_pct_ms(const struct hist *h, double p) {
    if (h->n == 0) return 0;
    uint64_t want = (uint64_t)(p * (double)h->n + 0.999999), acc = 0;
    if (want < 1) want = 1;
    for (int i = 0; i < H_BUCKETS; i++) {
        acc += h->b[i];
        if (acc >= want) {
            uint64_t v = h_value(i);
            return (double)(v > h->max ? h->max : v) / 1e6;
        }
    }
    return (double)h->max / 1e6;
}

/* ---- output buffers and epoll ---- */
static void set_events(int id, int want_out) {
    struct client *c = &cl[id];
    if (c->want_out == want_out) return;
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.u32 = (uint32_t)id};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
    c->want_out = (uint8_t)want_out;
}

static void out_append(struct client *c, const char *s, size_t n) {
    if (c->out_off > 0 && c->out_off == c->out_len) c->out_off = c->out_len = 0;
    if (c->out_len + n > c->out_cap) {
        if (c->out_off > 0) { /* compact first */
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        while (c->out_len + n > c->out_cap) c->out_cap = c->out_cap ? c->out_cap * 2 : 512;
        c->out = realloc(c->out, c->out_cap);
        if (!c->out) die("out of memory");
    }
    memcpy(c->out + c->out_len, s, n);
    c->out_len += (uint32_t)n;
}

static void client_close(int id, const char *why);

static void flush_out(int id) {
    struct client *c = &cl[id];
    while (c->out_off < c->out_len) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            client_close(id, strerror(errno));
            return;
        }
        c->out_off += (uint32_t)w;
    }
    set_events(id, c->out_off < c->out_len);
}

static void sendf(int id, const char *fmt, ...) {
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof buf) die("line too long");
    out_append(&cl[id], buf, (size_t)n);
}

/* ---- connecting and joining ---- */
static void start_connect(int id) {
    struct client *c = &cl[id];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket: %s (client %d; raise the open-files limit?)", strerror(errno), id);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->state = C_CONNECTING;
    c->want_out = 1;
    inflight++;
    struct sockaddr_in to = addr;
    to.sin_port = htons((uint16_t)o_ports[c->node]);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS)
        die("connect: %s", strerror(errno));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)id};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
}

static void pump_connects(void) {
    while (next_connect < o_clients && inflight < o_conc) start_connect(next_connect++);
}

static void on_connected(int id) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(cl[id].fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
        client_close(id, strerror(err));
        return;
    }
    if (o_proto == P_TCD) {
        cl[id].state = C_JOINING;
        sendf(id, "JOIN_CHATROOM: room%d\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: c%d\n", cl[id].room, id);
    } else if (o_proto == P_NATS) {
        /* The join is the SUB; the PONG to the PING after it says the server has registered it
         * (a connection's protocol is processed in order). echo stays on (the default) so a
         * publisher receives its own messages, as every member does in TCD. */
        cl[id].state = C_JOINING;
        sendf(id,
              "CONNECT {\"verbose\":false,\"pedantic\":false,\"tls_required\":false,"
              "\"name\":\"c%d\",\"lang\":\"c\",\"version\":\"1\",\"protocol\":1,"
              "\"echo\":true,\"headers\":false,\"no_responders\":false}\r\n"
              "SUB room.%d 1\r\nPING\r\n",
              id, cl[id].room);
    } else {
        cl[id].state = C_REGISTERING;
        sendf(id, "NICK c%d\r\nUSER c%d 0 * :c%d\r\n", id, id, id);
    }
    flush_out(id);
}

static void on_join_confirmed(int id) {
    if (cl[id].state != C_JOINING) return;
    cl[id].state = C_JOINED;
    inflight--;
    joined_count++;
    t_last_progress = now_ns();
    if (joined_count == o_clients) {
        t_joined = t_last_progress;
        phase = PH_DRAIN;
    } else {
        pump_connects();
    }
}

static void client_close(int id, const char *why) {
    struct client *c = &cl[id];
    if (c->state == C_CLOSED) return;
    disconnects++;
    if (disconnects <= 5) fprintf(stderr, "loadgen: client %d closed: %s\n", id, why);
    if ((phase == PH_JOIN || phase == PH_DRAIN) && !aborted) {
        fprintf(stderr, "loadgen: a connection failed before traffic started; aborting\n");
        aborted = 1;
    }
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->state = C_CLOSED;
}

/* ---- sending ---- */
static int format_msg(int sid, uint64_t ts, char *buf, size_t cap) {
    struct sender *s = &snd[sid];
    struct client *c = &cl[s->client];
    char pl[1100];
    int n = snprintf(pl, sizeof pl, "s%d %" PRIu32 " %" PRIu64 " ", sid, s->sent, ts);
    while (n < o_payload && n < (int)sizeof pl - 1) pl[n++] = 'x';
    pl[n] = 0;
    if (o_proto == P_TCD)
        return snprintf(buf, cap, "CHAT: %d\nJOIN_ID: %d\nCLIENT_NAME: c%d\nMESSAGE: %s\n\n",
                        c->room_ref, c->join_id, s->client, pl);
    if (o_proto == P_NATS)
        return snprintf(buf, cap, "PUB room.%d %d\r\n%s\r\n", c->room, n, pl);
    return snprintf(buf, cap, "PRIVMSG #room%d :%s\r\n", c->room, pl);
}

static void send_one(int sid, uint64_t ts) {
    char buf[1400];
    int n = format_msg(sid, ts, buf, sizeof buf);
    if (t_first_send == 0) t_first_send = now_ns();
    out_append(&cl[snd[sid].client], buf, (size_t)n);
    snd[sid].sent++;
    sent_total++;
}

static void pump_burst(void) {
    uint64_t t = now_ns();
    for (int sid = 0; sid < o_senders; sid++) {
        struct sender *s = &snd[sid];
        struct client *c = &cl[s->client];
        if (c->state != C_JOINED || s->sent >= (uint32_t)o_messages) continue;
        int added = 0;
        while (s->sent < (uint32_t)o_messages && c->out_len - c->out_off < (uint32_t)o_maxunsent &&
               (o_window == 0 || s->witness < 0 || s->sent - s->acked < (uint32_t)o_window)) {
            send_one(sid, t);
            added = 1;
        }
        if (added) {
            t_last_progress = t;
            flush_out(s->client);
        }
    }
}

static void arm_timer(uint64_t at_ns) {
    struct itimerspec its = {0};
    its.it_value.tv_sec = (time_t)(at_ns / 1000000000ull);
    its.it_value.tv_nsec = (long)(at_ns % 1000000000ull);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* rate mode: message g (global index) is due at t_first_send + g / rate; sender g % S */
static void pump_rate(void) {
    uint64_t t = now_ns();
    if (t_first_send == 0) t_first_send = t;
    uint64_t dirty_from = rate_next;
    while (rate_next < total_msgs) {
        uint64_t due = t_first_send + (uint64_t)((double)rate_next * 1e9 / o_rate);
        if (due > t) {
            arm_timer(due);
            break;
        }
        int sid = (int)(rate_next % (uint64_t)o_senders);
        if (cl[snd[sid].client].state == C_JOINED) send_one(sid, due); /* stamp intended time */
        rate_next++;
    }
    if (rate_next > dirty_from) t_last_progress = t;
    for (uint64_t g = dirty_from; g < rate_next && g < dirty_from + (uint64_t)o_senders; g++) {
        int id = snd[g % (uint64_t)o_senders].client;
        if (cl[id].state == C_JOINED) flush_out(id);
    }
}

static void start_sending(void) {
    phase = PH_SEND;
    t_last_progress = now_ns();
    if (o_rate > 0) pump_rate();
    else pump_burst();
}

/* ---- receiving ---- */
static void on_data(int id, const char *p, const char *end, uint64_t t) {
    /* payload: s<sid> <seq> <ts> ... */
    if (p >= end || *p != 's') return;
    p++;
    uint64_t v[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        if (p >= end || *p < '0' || *p > '9') goto bad;
        while (p < end && *p >= '0' && *p <= '9') v[k] = v[k] * 10 + (uint64_t)(*p++ - '0');
        if (p < end && *p == ' ') p++;
    }
    uint64_t sid = v[0], seq = v[1], ts = v[2];
    if (sid >= (uint64_t)o_senders || seq >= (uint64_t)o_messages || snd[sid].client % o_rooms != cl[id].room)
        goto bad;
    uint32_t pi = cl[id].pair_base + (uint32_t)(sid / (uint64_t)o_rooms);
    uint64_t *bm = &bitmaps[(uint64_t)pi * bm_words];
    uint64_t bit = 1ull << (seq & 63);
    if (bm[seq >> 6] & bit) {
        duplicated++;
        return;
    }
    bm[seq >> 6] |= bit;
    struct pair *pr = &pairs[pi];
    if (seq + 1 < pr->max_plus1) reordered++;
    else pr->max_plus1 = (uint32_t)seq + 1;
    deliveries++;
    if (snd[sid].witness == id) snd[sid].acked++;
    uint64_t lat = t > ts ? t - ts : 0;
    h_add(&lat_all, lat);
    if (cl[id].node != cl[snd[sid].client].node) h_add(&lat_cross, lat);
    t_last_delivery = t_last_progress = t;
    return;
bad:
    foreign++;
}

#define HAS(lit) (len >= sizeof(lit) - 1 && memcmp(line, lit, sizeof(lit) - 1) == 0)

static const char *after_colon(const char *line, const char *end) {
    const char *p = memchr(line, ':', (size_t)(end - line));
    if (!p) return end;
    p++;
    while (p < end && *p == ' ') p++;
    return p;
}

static void tcd_line(int id, const char *line, size_t len, uint64_t t) {
    struct client *c = &cl[id];
    const char *end = line + len;
    if (len == 0) {
        c->in_chat = 0;
        return;
    }
    switch (line[0]) {
    case 'M':
        if (HAS("MESSAGE:") && c->in_chat) {
            const char *p = after_colon(line, end);
            if (p < end && *p == 's') on_data(id, p, end, t);
            else if (len >= 24 && memcmp(end - 24, "has joined this chatroom", 24) == 0) notices++;
            else if (len >= 25 && memcmp(end - 25, "has joined this chatroom.", 25) == 0) notices++;
        }
        return;
    case 'C':
        if (HAS("CHAT:")) c->in_chat = 1;
        return;
    case 'J':
        if (HAS("JOINED_CHATROOM:")) c->in_chat = 0;
        else if (HAS("JOIN_ID:")) {
            c->join_id = atoi(after_colon(line, end));
            on_join_confirmed(id);
        }
        return;
    case 'R':
        if (HAS("ROOM_REF:")) c->room_ref = atoi(after_colon(line, end));
        return;
    case 'E':
        if (HAS("ERROR_CODE:")) note_error("server error", id, line, len);
        return;
    default:
        return;
    }
}

static void irc_line(int id, const char *line, size_t len, uint64_t t) {
    const char *end = line + len;
    if (len == 0) return;
    if (line[0] != ':') {
        if (HAS("PING")) {
            sendf(id, "PONG%.*s\r\n", (int)(len - 4), line + 4);
            flush_out(id);
        } else if (HAS("ERROR")) {
            note_error("server ERROR", id, line, len);
        }
        return;
    }
    const char *cmd = memchr(line, ' ', len);
    if (!cmd) return;
    cmd++;
    const char *cend = memchr(cmd, ' ', (size_t)(end - cmd));
    if (!cend) cend = end;
    size_t clen = (size_t)(cend - cmd);
    if (clen == 7 && memcmp(cmd, "PRIVMSG", 7) == 0) {
        const char *p = memmem(cend, (size_t)(end - cend), " :", 2);
        if (p) on_data(id, p + 2, end, t);
    } else if (clen == 4 && memcmp(cmd, "JOIN", 4) == 0) {
        notices++;
    } else if (clen == 3 && cmd[0] >= '0' && cmd[0] <= '9') {
        if (memcmp(cmd, "376", 3) == 0 || memcmp(cmd, "422", 3) == 0) { /* end of MOTD */
            if (cl[id].state != C_REGISTERING) return;
            if (o_oper && id < o_senders) {
                const char *colon = strchr(o_oper, ':');
                sendf(id, "OPER %.*s %s\r\nMODE c%d +F\r\n", (int)(colon - o_oper), o_oper, colon + 1, id);
            }
            sendf(id, "JOIN #room%d\r\n", cl[id].room);
            cl[id].state = C_JOINING;
            flush_out(id);
        } else if (memcmp(cmd, "366", 3) == 0) {
            on_join_confirmed(id);
        } else if (cmd[0] == '4' || cmd[0] == '5') {
            note_error("server numeric error", id, line, len);
        }
    }
}

/* NATS: INFO, PING, PONG, +OK, -ERR lines; MSG frames are handled by nats_frame. */
static void nats_line(int id, const char *line, size_t len) {
    if (HAS("PING")) {
        sendf(id, "PONG\r\n");
        flush_out(id);
    } else if (HAS("PONG")) {
        on_join_confirmed(id); /* the PONG to the PING after SUB: the subscription is in place */
    } else if (HAS("-ERR")) {
        note_error("server -ERR", id, line, len);
    } else if (HAS("INFO ")) {
        const char *k = memmem(line, len, "\"max_payload\":", 14);
        long max = k ? atol(k + 14) : 0;
        if (max > 0 && payload_max > max && !aborted) {
            fprintf(stderr, "loadgen: a %d-byte message is above the server's max_payload (%ld)\n",
                    payload_max, max);
            errors++;
            aborted = 1;
        }
    }
}

/*
 * NATS: one line at `line` (without CR LF), followed by [after, end). For `MSG <subject> <sid>
 * [reply-to] <#bytes>` the payload and its CR LF follow the line; returns how many bytes of it
 * were consumed, or -1 if they have not all arrived yet (the caller keeps the whole frame for
 * the next read, so a payload may be split anywhere).
 */
static long nats_frame(int id, const char *line, size_t len, const char *after, const char *end,
                       uint64_t t) {
    if (!HAS("MSG ")) {
        nats_line(id, line, len);
        return 0;
    }
    const char *tok[6];
    size_t tlen[6];
    int nt = 0;
    for (const char *q = line, *le = line + len; q < le && nt < 6;) {
        while (q < le && *q == ' ') q++;
        if (q == le) break;
        const char *w = q;
        while (q < le && *q != ' ') q++;
        tok[nt] = w;
        tlen[nt++] = (size_t)(q - w);
    }
    long nb = -1;
    if (nt == 4 || nt == 5) {
        nb = 0;
        for (size_t k = 0; k < tlen[nt - 1]; k++) {
            char ch = tok[nt - 1][k];
            if (ch < '0' || ch > '9' || nb > NATS_MSG_MAX) {
                nb = -1;
                break;
            }
            nb = nb * 10 + (ch - '0');
        }
    }
    if (nb < 0 || nb > NATS_MSG_MAX) {
        note_error("bad or oversized MSG", id, line, len);
        client_close(id, "bad MSG frame");
        return 0;
    }
    if (end - after < nb + 2) return -1;
    if (after[nb] != '\r' || after[nb + 1] != '\n') {
        note_error("MSG payload not followed by CR LF", id, line, len);
        client_close(id, "bad MSG frame");
        return 0;
    }
    char subj[32];
    int sl = snprintf(subj, sizeof subj, "room.%d", cl[id].room);
    if (tlen[1] == (size_t)sl && memcmp(tok[1], subj, (size_t)sl) == 0)
        on_data(id, after, after + nb, t);
    else
        foreign++; /* a subject this client did not subscribe to */
    return nb + 2;
}

static void on_readable(int id, uint64_t *tnow) {
    struct client *c = &cl[id];
    if (c->carry_len) memcpy(rbuf, c->carry, c->carry_len);
    ssize_t n = read(c->fd, rbuf + c->carry_len, RBUF_SIZE);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        client_close(id, strerror(errno));
        return;
    }
    if (n == 0) {
        client_close(id, "server closed the connection");
        return;
    }
    uint64_t t = *tnow = now_ns();
    char *p = rbuf, *end = rbuf + c->carry_len + n;
    for (;;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        size_t len = (size_t)(nl - p);
        if (len > 0 && p[len - 1] == '\r') len--;
        if (o_proto == P_NATS) {
            long used = nats_frame(id, p, len, nl + 1, end, t);
            if (c->state == C_CLOSED) return;
            if (used < 0) break; /* the MSG's payload is not all here: keep the frame */
            p = nl + 1 + used;
            continue;
        }
        if (o_proto == P_TCD) tcd_line(id, p, len, t);
        else irc_line(id, p, len, t);
        if (c->state == C_CLOSED) return;
        p = nl + 1;
    }
    size_t rest = (size_t)(end - p);
    if (rest > CARRY_MAX) {
        note_error("line too long", id, p, rest);
        client_close(id, "line too long");
        return;
    }
    if (rest && !c->carry && !(c->carry = malloc(CARRY_MAX))) die("out of memory");
    memcpy(c->carry, p, rest);
    c->carry_len = (uint32_t)rest;
}

/* ---- report ---- */
static double secs(uint64_t a, uint64_t b) { return b > a ? (double)(b - a) / 1e9 : 0; }

static int report(int timed_out) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    double el = secs(t_first_send, t_last_delivery);
    uint64_t lost = expected > deliveries ? expected - deliveries : 0;
    int ok = !timed_out && lost == 0 && duplicated == 0 && foreign == 0 && errors == 0 &&
             disconnects == 0 && sent_total == total_msgs;
    const char *ph[] = {"join", "drain", "waitgo", "send", "done"};
    printf("{\"protocol\":\"%s\",\"clients\":%d,\"rooms\":%d,\"senders\":%d,\"messages\":%d,"
           "\"payload\":%d,\"rate\":%.1f,\"window\":%d,"
           "\"deliveries\":%" PRIu64 ",\"expected\":%" PRIu64 ",\"elapsed_s\":%.4f,"
           "\"deliveries_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
           "\"lost\":%" PRIu64 ",\"duplicated\":%" PRIu64 ",\"reordered\":%" PRIu64 ","
           "\"foreign\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"disconnects\":%" PRIu64 ","
           "\"sent\":%" PRIu64 ",\"notices\":%" PRIu64 ",\"notices_expected\":%" PRIu64 ","
           "\"nodes\":%d,\"cross_deliveries\":%" PRIu64 ",\"cross_p50_ms\":%.3f,"
           "\"cross_p99_ms\":%.3f,\"cross_max_ms\":%.3f,"
           "\"connect_join_s\":%.4f,\"drain_s\":%.4f,\"loadgen_cpu_s\":%.3f,"
           "\"timed_out\":%s,\"phase\":\"%s\",\"ok\":%s}\n",
           o_proto == P_TCD ? "tcd" : o_proto == P_IRC ? "irc" : "nats", o_clients, o_rooms, o_senders, o_messages, o_payload,
           o_rate, o_window, deliveries, expected, el, el > 0 ? (double)deliveries / el : 0,
           h_pct_ms(&lat_all, 0.50), h_pct_ms(&lat_all, 0.99), (double)lat_all.max / 1e6, lost,
           duplicated, reordered, foreign, errors, disconnects, sent_total, notices,
           notices_expected, o_nports, lat_cross.n, h_pct_ms(&lat_cross, 0.50),
           h_pct_ms(&lat_cross, 0.99), (double)lat_cross.max / 1e6,
           secs(t_start, t_joined), secs(t_joined, t_drained), cpu, timed_out ? "true" : "false",
           ph[phase], ok ? "true" : "false");
    fflush(stdout);
    return ok ? 0 : 1;
}

/* ---- setup ---- */
static void usage(void) {
    fputs("usage: loadgen --port P | --ports P1,P2,... [options]\n"
          "  --proto tcd|irc|nats     protocol (default tcd); nats: SUB/PUB on subject room.<r>\n"
          "  --host ADDR              loopback IPv4 address (default 127.0.0.1)\n"
          "  --ports P1,P2,...        several nodes of one service (at most 16): client i, member\n"
          "                           k = i div R of room r = i mod R, connects to port\n"
          "                           (r + k) mod N, so every room's members alternate over them\n"
          "  --clients C --rooms R    client i joins room i mod R (default 20, 2)\n"
          "  --senders S --messages M clients 0..S-1 send M messages each (default 2, 50)\n"
          "  --payload BYTES          message text size (default 64)\n"
          "  --rate N                 total messages/s; 0 = burst (default 0)\n"
          "  --window W               burst: max messages in flight per sender, 0 = no limit (16)\n"
          "  --max-unsent BYTES       burst: max unsent bytes buffered per sender (16384)\n"
          "  --concurrency N          max clients connecting/joining at once (default 8)\n"
          "  --timeout S              hard wall-clock limit for the whole run (default 60)\n"
          "  --settle S               give up after S seconds without progress (default 5)\n"
          "  --sync                   after joins: print READY on stderr, wait for a line on stdin\n"
          "  --irc-oper NAME:PASS     irc: senders OPER and set user mode +F (relaxed flood limit)\n",
          stderr);
    exit(2);
}

/* --ports P1,P2,...: every entry a port number, at most PORTS_MAX of them */
static void parse_ports(const char *list) {
    if (o_nports > 0) die("give --port or --ports, once");
    for (const char *p = list;;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v <= 0 || v > 65535 || (*end != ',' && *end != 0))
            die("--ports wants a comma list of port numbers (got %s)", list);
        if (o_nports == PORTS_MAX) die("--ports: at most %d ports", PORTS_MAX);
        o_ports[o_nports++] = (int)v;
        if (*end == 0) break;
        p = end + 1;
    }
}

static void parse_args(int argc, char **argv) {
    static const struct option opts[] = {
        {"proto", 1, 0, 'P'},   {"host", 1, 0, 'h'},        {"port", 1, 0, 'p'},
        {"clients", 1, 0, 'c'}, {"rooms", 1, 0, 'r'},       {"senders", 1, 0, 's'},
        {"messages", 1, 0, 'm'}, {"payload", 1, 0, 'b'},    {"rate", 1, 0, 'R'},
        {"window", 1, 0, 'w'},  {"max-unsent", 1, 0, 'u'},  {"concurrency", 1, 0, 'n'},
        {"timeout", 1, 0, 't'}, {"settle", 1, 0, 'S'},      {"sync", 0, 0, 'y'},
        {"irc-oper", 1, 0, 'o'}, {"ports", 1, 0, 'L'},      {"help", 0, 0, '?'},
        {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'P':
            if (strcmp(optarg, "tcd") == 0) o_proto = P_TCD;
            else if (strcmp(optarg, "irc") == 0) o_proto = P_IRC;
            else if (strcmp(optarg, "nats") == 0) o_proto = P_NATS;
            else usage();
            break;
        case 'h': o_host = optarg; break;
        case 'p':
            if (o_nports > 0) die("give --port or --ports, once");
            o_ports[o_nports++] = atoi(optarg);
            break;
        case 'L': parse_ports(optarg); break;
        case 'c': o_clients = atoi(optarg); break;
        case 'r': o_rooms = atoi(optarg); break;
        case 's': o_senders = atoi(optarg); break;
        case 'm': o_messages = atoi(optarg); break;
        case 'b': o_payload = atoi(optarg); break;
        case 'R': o_rate = atof(optarg); break;
        case 'w': o_window = atoi(optarg); break;
        case 'u': o_maxunsent = atoi(optarg); break;
        case 'n': o_conc = atoi(optarg); break;
        case 't': o_timeout = atof(optarg); break;
        case 'S': o_settle = atof(optarg); break;
        case 'y': o_sync = 1; break;
        case 'o': o_oper = optarg; break;
        default: usage();
        }
    }
    if (o_nports == 0) die("--port or --ports is required");
    for (int k = 0; k < o_nports; k++)
        if (o_ports[k] <= 0 || o_ports[k] > 65535) die("bad port %d", o_ports[k]);
    if (o_clients < 1 || o_rooms < 1 || o_rooms > o_clients || o_senders < 0 ||
        o_senders > o_clients || o_messages < 0 || o_payload < 1 || o_payload > 1000 ||
        o_conc < 1 || o_timeout <= 0 || o_rate < 0 || o_window < 0 || o_maxunsent < 1)
        die("bad arguments (need 1 <= rooms <= clients, senders <= clients, payload <= 1000)");
    if (o_oper && !strchr(o_oper, ':')) die("--irc-oper wants NAME:PASS");
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    if (inet_pton(AF_INET, o_host, &addr.sin_addr) != 1) die("--host must be an IPv4 address");
    if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127) die("--host must be a loopback address (127.x)");
}

static void setup(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)o_clients + 16)
            die("open-files limit %lu is too low for %d clients", (unsigned long)rl.rlim_cur, o_clients);
    }
    signal(SIGPIPE, SIG_IGN);
    cl = calloc((size_t)o_clients, sizeof *cl);
    snd = calloc((size_t)(o_senders ? o_senders : 1), sizeof *snd);
    room_members = calloc((size_t)o_rooms, sizeof *room_members);
    if (!cl || !snd || !room_members) die("out of memory");
    for (int i = 0; i < o_clients; i++) room_members[i % o_rooms]++;
    /* pairs: every client tracks the senders of its own room (sender j is in room j mod R) */
    uint64_t npairs = 0;
    for (int i = 0; i < o_clients; i++) {
        int r = i % o_rooms;
        cl[i].room = r;
        /* Member k of room r goes to port (r + k) mod N: each room's members alternate over
         * the ports, and so do the rooms' first members (the senders when S = R). With i mod N
         * instead, a room count that is a multiple of N would put each room on one port. The
         * witness of sender j is member k + 1 (or k - 1) of its room, so on another port: the
         * window bounds the cross-port path. */
        cl[i].node = (uint8_t)((r + i / o_rooms) % o_nports);
        cl[i].fd = -1;
        cl[i].pair_base = (uint32_t)npairs;
        npairs += (uint64_t)(r < o_senders ? (o_senders - r + o_rooms - 1) / o_rooms : 0);
    }
    bm_words = (uint32_t)((o_messages + 63) / 64);
    if (npairs * bm_words * 8 > (1ull << 31)) die("too many clients x senders x messages to track");
    pairs = calloc(npairs ? npairs : 1, sizeof *pairs);
    uint64_t nwords = npairs * bm_words;
    bitmaps = calloc(nwords > 0 ? nwords : 1, sizeof *bitmaps);
    if (!pairs || !bitmaps) die("out of memory");
    for (int j = 0; j < o_senders; j++) {
        int m = room_members[j % o_rooms];
        snd[j].client = j;
        snd[j].witness = j + o_rooms < o_clients ? j + o_rooms : j >= o_rooms ? j - o_rooms : j;
        if (o_proto == P_IRC && snd[j].witness == j) snd[j].witness = -1; /* alone: no echo */
        /* TCD and NATS (echo on) deliver to every member, the sender included; IRC does not */
        expected += (uint64_t)o_messages * (uint64_t)(o_proto == P_IRC ? m - 1 : m);
    }
    /* join notices: TCD's "has joined" and IRC's JOIN echo go to every member present, the
     * joiner included; NATS has none (a SUB is silent) */
    for (int r = 0; r < o_rooms && o_proto != P_NATS; r++)
        notices_expected += (uint64_t)room_members[r] * (uint64_t)(room_members[r] + 1) / 2;
    {
        char pl[64];
        int n = snprintf(pl, sizeof pl, "s%d %d %" PRIu64 " ", o_senders - 1, o_messages - 1, UINT64_MAX);
        payload_max = n > o_payload ? n : o_payload;
    }
    total_msgs = (uint64_t)o_senders * (uint64_t)o_messages;
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1: %s", strerror(errno));
    if (o_rate > 0) {
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = EV_TIMER};
        if (tfd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0) die("timerfd: %s", strerror(errno));
    }
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    setup();
    t_start = t_last_progress = now_ns();
    uint64_t deadline = t_start + (uint64_t)(o_timeout * 1e9);
    uint64_t settle = (uint64_t)(o_settle * 1e9);
    pump_connects();
    static struct epoll_event evs[1024];
    int timed_out = 0;
    while (!aborted) {
        uint64_t t = now_ns();
        if (t >= deadline) {
            timed_out = 1;
            fprintf(stderr, "loadgen: hard timeout (%.0f s) reached\n", o_timeout);
            break;
        }
        int stalled = t > t_last_progress && t - t_last_progress > settle;
        if (phase == PH_DRAIN && (notices >= notices_expected || stalled)) {
            if (notices < notices_expected)
                fprintf(stderr, "loadgen: only %" PRIu64 " of %" PRIu64 " join notices arrived\n",
                        notices, notices_expected);
            t_drained = t;
            if (o_sync) {
                phase = PH_WAITGO;
                fputs("READY\n", stderr);
                fflush(stderr);
                struct epoll_event ev = {.events = EPOLLIN, .data.u32 = EV_STDIN};
                if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0) start_sending();
            } else {
                start_sending();
            }
        }
        if (phase == PH_SEND) {
            if (deliveries >= expected && sent_total >= total_msgs) break;
            if (stalled) {
                fprintf(stderr, "loadgen: no progress for %.1f s; stopping\n", o_settle);
                break;
            }
        }
        uint64_t wait_ns = deadline - t;
        if (phase == PH_DRAIN || phase == PH_SEND) wait_ns = wait_ns > 100000000 ? 100000000 : wait_ns;
        int n = epoll_wait(ep, evs, 1024, (int)(wait_ns / 1000000) + 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait: %s", strerror(errno));
        }
        uint64_t tnow = 0;
        for (int i = 0; i < n; i++) {
            uint32_t id = evs[i].data.u32;
            if (id == EV_TIMER) {
                uint64_t x;
                if (read(tfd, &x, sizeof x) < 0) { /* spurious wakeup */ }
                continue;
            }
            if (id == EV_STDIN) {
                char b[64];
                if (read(0, b, sizeof b) < 0) { /* EOF or error: go anyway */ }
                epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
                if (phase == PH_WAITGO) start_sending();
                continue;
            }
            struct client *c = &cl[id];
            if (c->state == C_CLOSED) continue;
            if (c->state == C_CONNECTING) {
                if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected((int)id);
                continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable((int)id, &tnow);
            if (c->state != C_CLOSED && (evs[i].events & EPOLLOUT)) flush_out((int)id);
        }
        if (phase == PH_SEND) {
            if (o_rate > 0) pump_rate();
            else pump_burst();
        }
    }
    if (phase == PH_SEND && deliveries >= expected && sent_total >= total_msgs) phase = PH_DONE;
    return report(timed_out);
}
