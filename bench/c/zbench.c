/* zbench: the C reference loop for `python -m bench`, built against the system libzmq.
 *
 *   zbench ROLE ENDPOINTS CONTROL PLAN PEER SUBS
 *
 * ROLE and PEER are pull|push|source|sink|req|rep|pub|sub (PEER "-" for none; otherwise the
 * peer runs in a second thread on the same context, as inproc needs). ENDPOINTS is a
 * comma-separated list (one per block for pull/push, else one), CONTROL the handshake
 * endpoint or "-", PLAN "size:count:hwm,..." and SUBS the subscriber count for pub.
 * Measured roles (pull, push, req, sub) print one line per block: "size value..." with
 * msg/s for throughput and "mean p50 p99" in microseconds for req. The protocol is the same
 * as bench/roles.py: read that for the why.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define MAX_BLOCKS 32

typedef struct { size_t size; long count; int hwm; } block_t;

typedef struct {
    void *ctx;
    const char *role;
    char *endpoints[MAX_BLOCKS];
    int n_endpoints;
    const char *control;
    block_t plan[MAX_BLOCKS];
    int n_blocks;
    int subs;
} job_t;

static void die(const char *what)
{
    fprintf(stderr, "zbench: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(2);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *open_socket(job_t *job, int type, const char *endpoint, int bind, int sndhwm, int rcvhwm)
{
    void *s = zmq_socket(job->ctx, type);
    int ivl = 10;
    if (!s) die("zmq_socket");
    if (sndhwm >= 0) zmq_setsockopt(s, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    if (rcvhwm >= 0) zmq_setsockopt(s, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    if ((bind ? zmq_bind(s, endpoint) : zmq_connect(s, endpoint)) != 0) die(endpoint);
    return s;
}

static void recv_msg(void *s, zmq_msg_t *msg)
{
    if (zmq_msg_recv(msg, s, 0) < 0) die("zmq_msg_recv");
}

static void send_buf(void *s, const char *buf, size_t size)
{
    if (zmq_send(s, buf, size, 0) < 0) die("zmq_send");
}

static char *payload(size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf) die("malloc");
    memset(buf, 'x', size);
    return buf;
}

/* Throughput, receive side: time from the first to the last message of each block. */
static void role_pull(job_t *job)
{
    void *socks[MAX_BLOCKS];
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (int k = 0; k < job->n_blocks; k++)
        socks[k] = open_socket(job, ZMQ_PULL, job->endpoints[k], 1, job->plan[k].hwm, job->plan[k].hwm);
    for (int k = 0; k < job->n_blocks; k++) {
        long n = job->plan[k].count;
        recv_msg(socks[k], &msg);
        double t0 = now();
        for (long i = 1; i < n; i++) recv_msg(socks[k], &msg);
        double t1 = now();
        printf("%zu %.1f\n", job->plan[k].size, (double)(n - 1) / (t1 - t0));
        fflush(stdout);
    }
    zmq_msg_close(&msg);
    for (int k = 0; k < job->n_blocks; k++) zmq_close(socks[k]);
}

static void role_source(job_t *job)
{
    void *socks[MAX_BLOCKS];
    for (int k = 0; k < job->n_blocks; k++)
        socks[k] = open_socket(job, ZMQ_PUSH, job->endpoints[k], 0, job->plan[k].hwm, job->plan[k].hwm);
    for (int k = 0; k < job->n_blocks; k++) {
        char *buf = payload(job->plan[k].size);
        for (long i = 0; i < job->plan[k].count; i++) send_buf(socks[k], buf, job->plan[k].size);
        free(buf);
    }
    for (int k = 0; k < job->n_blocks; k++) zmq_close(socks[k]);
}

/* Throughput, send side: one warm-up message (a bound PUSH blocks until its peer is there),
 * then the timed sends; the sink's ack keeps the next block from overlapping this one. */
static void role_push(job_t *job)
{
    void *socks[MAX_BLOCKS];
    void *ack = open_socket(job, ZMQ_PULL, job->control, 1, -1, -1);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (int k = 0; k < job->n_blocks; k++)
        socks[k] = open_socket(job, ZMQ_PUSH, job->endpoints[k], 1, job->plan[k].hwm, job->plan[k].hwm);
    for (int k = 0; k < job->n_blocks; k++) {
        size_t size = job->plan[k].size;
        long n = job->plan[k].count;
        char *buf = payload(size);
        send_buf(socks[k], buf, size);
        double t0 = now();
        for (long i = 0; i < n; i++) send_buf(socks[k], buf, size);
        double t1 = now();
        recv_msg(ack, &msg);
        free(buf);
        printf("%zu %.1f\n", size, (double)n / (t1 - t0));
        fflush(stdout);
    }
    zmq_msg_close(&msg);
    for (int k = 0; k < job->n_blocks; k++) zmq_close(socks[k]);
    zmq_close(ack);
}

static void role_sink(job_t *job)
{
    void *socks[MAX_BLOCKS];
    void *ack = open_socket(job, ZMQ_PUSH, job->control, 0, -1, -1);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (int k = 0; k < job->n_blocks; k++)
        socks[k] = open_socket(job, ZMQ_PULL, job->endpoints[k], 0, job->plan[k].hwm, job->plan[k].hwm);
    for (int k = 0; k < job->n_blocks; k++) {
        for (long i = 0; i <= job->plan[k].count; i++) recv_msg(socks[k], &msg);
        send_buf(ack, "", 0);
    }
    zmq_msg_close(&msg);
    for (int k = 0; k < job->n_blocks; k++) zmq_close(socks[k]);
    zmq_close(ack);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long warmup(long n) { return n / 10 > 0 ? n / 10 : 1; }

/* Latency: REQ/REP round trips, each one timed; a tenth of them first as warm-up. */
static void role_req(job_t *job)
{
    void *s = open_socket(job, ZMQ_REQ, job->endpoints[0], 0, -1, -1);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (int k = 0; k < job->n_blocks; k++) {
        size_t size = job->plan[k].size;
        long n = job->plan[k].count;
        char *buf = payload(size);
        double *rtt = malloc(sizeof(double) * (size_t)n), sum = 0;
        if (!rtt) die("malloc");
        for (long i = 0; i < warmup(n); i++) { send_buf(s, buf, size); recv_msg(s, &msg); }
        for (long i = 0; i < n; i++) {
            double t0 = now();
            send_buf(s, buf, size);
            recv_msg(s, &msg);
            rtt[i] = (now() - t0) * 1e6;
            sum += rtt[i];
        }
        qsort(rtt, (size_t)n, sizeof(double), cmp_double);
        printf("%zu %.3f %.3f %.3f\n", size, sum / (double)n, rtt[n / 2], rtt[(long)(n * 0.99)]);
        fflush(stdout);
        free(rtt);
        free(buf);
    }
    zmq_msg_close(&msg);
    zmq_close(s);
}

static void role_rep(job_t *job)
{
    void *s = open_socket(job, ZMQ_REP, job->endpoints[0], 1, -1, -1);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (int k = 0; k < job->n_blocks; k++) {
        long n = job->plan[k].count + warmup(job->plan[k].count);
        for (long i = 0; i < n; i++) {
            recv_msg(s, &msg);
            if (zmq_msg_send(&msg, s, 0) < 0) die("zmq_msg_send");
        }
    }
    zmq_msg_close(&msg);
    zmq_close(s);
}

/* PUB/SUB: empty "hello" messages until every subscriber said it hears them (no slow
 * joiner loses data), then the blocks, each acknowledged by every subscriber before the next
 * (so a slow subscriber never starts a block with it already queued); no high-water mark,
 * so nothing is dropped. */
static void role_pub(job_t *job)
{
    void *pub = open_socket(job, ZMQ_PUB, job->endpoints[0], 1, 0, -1);
    void *sync = open_socket(job, ZMQ_PULL, job->control, 1, -1, -1);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (int ready = 0; ready < job->subs;) {
        zmq_pollitem_t item = {sync, 0, ZMQ_POLLIN, 0};
        send_buf(pub, "", 0);
        if (zmq_poll(&item, 1, 1) > 0) { recv_msg(sync, &msg); ready++; }
    }
    for (int k = 0; k < job->n_blocks; k++) {
        char *buf = payload(job->plan[k].size);
        for (long i = 0; i < job->plan[k].count; i++) send_buf(pub, buf, job->plan[k].size);
        for (int i = 0; i < job->subs; i++) recv_msg(sync, &msg);
        free(buf);
    }
    zmq_msg_close(&msg);
    zmq_close(pub);
    zmq_close(sync);
}

static void role_sub(job_t *job)
{
    void *sub = open_socket(job, ZMQ_SUB, job->endpoints[0], 0, -1, 0);
    void *sync = open_socket(job, ZMQ_PUSH, job->control, 0, -1, -1);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    recv_msg(sub, &msg);
    send_buf(sync, "", 0);
    for (int k = 0; k < job->n_blocks; k++) {
        long n = job->plan[k].count;
        do recv_msg(sub, &msg); while (zmq_msg_size(&msg) == 0);
        double t0 = now();
        for (long i = 1; i < n; i++) recv_msg(sub, &msg);
        double t1 = now();
        send_buf(sync, "", 0);
        printf("%zu %.1f\n", job->plan[k].size, (double)(n - 1) / (t1 - t0));
        fflush(stdout);
    }
    zmq_msg_close(&msg);
    zmq_close(sub);
    zmq_close(sync);
}

static const struct { const char *name; void (*run)(job_t *); } ROLES[] = {
    {"pull", role_pull}, {"source", role_source}, {"push", role_push}, {"sink", role_sink},
    {"req", role_req},   {"rep", role_rep},       {"pub", role_pub},   {"sub", role_sub},
};

static void *run_role(void *arg)
{
    job_t *job = arg;
    for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
        if (strcmp(ROLES[i].name, job->role) == 0) { ROLES[i].run(job); return NULL; }
    fprintf(stderr, "zbench: unknown role %s\n", job->role);
    exit(2);
}

static void parse(job_t *job, char *endpoints, char *plan)
{
    for (char *tok = strtok(endpoints, ","); tok && job->n_endpoints < MAX_BLOCKS; tok = strtok(NULL, ","))
        job->endpoints[job->n_endpoints++] = tok;
    for (char *tok = strtok(plan, ","); tok && job->n_blocks < MAX_BLOCKS; tok = strtok(NULL, ",")) {
        block_t *b = &job->plan[job->n_blocks++];
        if (sscanf(tok, "%zu:%ld:%d", &b->size, &b->count, &b->hwm) != 3 || b->count < 2) {
            fprintf(stderr, "zbench: bad plan entry %s\n", tok);
            exit(2);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: zbench ROLE ENDPOINTS CONTROL PLAN PEER SUBS\n");
        return 2;
    }
    job_t job = {0};
    job.ctx = zmq_ctx_new();
    job.role = argv[1];
    job.control = argv[3];
    job.subs = atoi(argv[6]);
    parse(&job, argv[2], argv[4]);
    pthread_t peer_thread;
    job_t peer = job;
    peer.role = argv[5];
    int has_peer = strcmp(argv[5], "-") != 0;
    if (has_peer && pthread_create(&peer_thread, NULL, run_role, &peer) != 0) die("pthread_create");
    run_role(&job);
    if (has_peer) pthread_join(peer_thread, NULL);
    zmq_ctx_term(job.ctx);
    return 0;
}
