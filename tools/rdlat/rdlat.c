/*
 * rdlat: produce latency probe on librdkafka (Debian's librdkafka-dev).
 *
 *   rdlat BOOTSTRAP TOPIC RATE SECONDS SIZE [key=value ...]
 *
 * Sends SIZE-byte records at RATE records/s for SECONDS, measuring each
 * record's time from produce() to its delivery report, and prints
 *   rate=... sent=... delivered=... errors=... p50_ms=... p99_ms=... p999_ms=... max_ms=...
 * Defaults: linger.ms=0, acks=1. Any key=value is a librdkafka setting.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double *lat;
static long long delivered, failed, cap;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    failed++;
    return;
  }
  double sent;
  memcpy(&sent, m->payload, sizeof sent);
  if (delivered < cap) lat[delivered] = now_ms() - sent;
  delivered++;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v) {
  char err[256];
  if (rd_kafka_conf_set(c, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: rdlat BOOTSTRAP TOPIC RATE SECONDS SIZE [k=v ...]\n");
    return 2;
  }
  const char *bs = argv[1], *topic = argv[2];
  double rate = atof(argv[3]), secs = atof(argv[4]);
  int size = atoi(argv[5]);
  if (size < (int)sizeof(double)) size = sizeof(double);
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bs);
  set(conf, "linger.ms", "0");
  set(conf, "acks", "1");
  for (int i = 6; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) continue;
    *eq = 0;
    set(conf, argv[i], eq + 1);
  }
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  long long total = (long long)(rate * secs);
  cap = total;
  lat = calloc(total > 0 ? total : 1, sizeof(double));
  char *payload = calloc(size, 1);
  /* warm up: connect and fetch metadata */
  rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  rd_kafka_flush(rk, 10000);
  delivered = 0;
  failed = 0;
  double t0 = now_ms();
  for (long long i = 0; i < total; i++) {
    double due = t0 + i * 1000.0 / rate;
    double wait = due - now_ms();
    if (wait > 0.05) {
      /* sleep rather than spin, so the probe does not take a core from the broker */
      struct timespec ts = {0, (long)(wait * 1e6)};
      nanosleep(&ts, NULL);
    }
    rd_kafka_poll(rk, 0);
    double t = now_ms();
    memcpy(payload, &t, sizeof t);
    while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 1);
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 30000);
  long long n = delivered < cap ? delivered : cap;
  qsort(lat, n, sizeof(double), cmp);
  double p50 = n ? lat[n / 2] : 0, p99 = n ? lat[(long long)(n * 0.99)] : 0, p999 = n ? lat[(long long)(n * 0.999)] : 0, max = n ? lat[n - 1] : 0;
  printf("rate=%.0f sent=%lld delivered=%lld errors=%lld p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n", rate, total, delivered, failed, p50, p99, p999, max);
  rd_kafka_destroy(rk);
  return failed == 0 && delivered == total ? 0 : 1;
}
