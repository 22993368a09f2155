/*
 * bench_wire - cost of the wire codec against its floor.
 *
 * Encodes and decodes EVENT frames carrying a LINEPROXYREQUEST-sized payload
 * (108 bytes) and a 4 KiB one, and compares with the floor: copying the
 * same bytes with memcpy.  Each figure is the median of 9 runs; the ratio
 * to the floor measured in the same run is what to read, because the
 * machines are shared and absolute times drift.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire.h"

#define RUNS 9
#define ITERS 200000

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint32_t sink;

static double run_codec(uint32_t payload)
{
    uint8_t *data = calloc(1, payload);
    struct wbuf b = {0};
    struct w_event ev = {7, 24, 1, 2, 3, {data, payload}};
    double t0 = now_ns();
    for (int i = 0; i < ITERS; i++) {
        b.len = 0;
        wire_encode(&b, W_EVENT, 0, &ev, WIRE_MAX_FRAME_DEFAULT);
        union wire_msg m;
        unsigned type;
        uint32_t seq;
        wire_decode(b.p, (uint32_t)b.len, WIRE_MAX_FRAME_DEFAULT, &type, &seq, &m);
        sink += m.event.data.len;
    }
    double ns = (now_ns() - t0) / ITERS;
    wbuf_free(&b);
    free(data);
    return ns;
}

static double run_floor(uint32_t payload)
{
    uint8_t *src = calloc(1, payload + 64), *dst = malloc(payload + 64);
    double t0 = now_ns();
    for (int i = 0; i < ITERS; i++) {
        memcpy(dst, src, payload + 64); /* header + fields + payload */
        src[i % payload] = (uint8_t)i;
        sink += dst[(i * 7) % payload];
    }
    double ns = (now_ns() - t0) / ITERS;
    free(src);
    free(dst);
    return ns;
}

int main(void)
{
    static const uint32_t sizes[] = {108, 4096};
    printf("%-28s %12s %12s %8s\n", "wire codec (median of 9)", "ns/frame", "floor ns", "ratio");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        double codec[RUNS], floor_[RUNS];
        for (int r = 0; r < RUNS; r++) {
            codec[r] = run_codec(sizes[s]);
            floor_[r] = run_floor(sizes[s]);
        }
        qsort(codec, RUNS, sizeof codec[0], cmp);
        qsort(floor_, RUNS, sizeof floor_[0], cmp);
        char label[64];
        snprintf(label, sizeof label, "EVENT encode+decode %u B", (unsigned)sizes[s]);
        printf("%-28s %12.1f %12.1f %8.2f\n", label, codec[RUNS / 2], floor_[RUNS / 2],
               codec[RUNS / 2] / floor_[RUNS / 2]);
    }
    return 0;
}
