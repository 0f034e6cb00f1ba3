/*
 * W2's floor: random 4 KiB reads with 1 MiB windows, the 64 most recently used kept mapped,
 * each miss an mmap of the window, each read a copy out of it, each eviction an munmap; no
 * Node, no checks, W2's offsets (its warm-up twice, then the timed 20,000). FILE stands in for
 * W2's 1 GiB file (written in 1 MiB writes, as the bench writes it).
 *   cc -O2 -o /tmp/miss-floor benchmark/probes/miss-floor.c && /tmp/miss-floor FILE
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe.h"

#define WINDOW (1L << 20)
#define KEPT 64
#define READ 4096

static uint64_t starts[KEPT];
static unsigned char *maps[KEPT];
static long last_used[KEPT], clock_tick;

/* The kept window holding `start`, mapping it (and unmapping the least recently used) if none. */
static unsigned char *window_at(int fd, uint64_t start) {
  int slot = -1;
  for (int i = 0; i < KEPT; i++)
    if (maps[i] && starts[i] == start) slot = i;
  if (slot < 0) {
    slot = 0;
    for (int i = 0; i < KEPT && maps[slot]; i++)
      if (!maps[i] || last_used[i] < last_used[slot]) slot = i;
    if (maps[slot]) munmap(maps[slot], WINDOW);
    maps[slot] = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, start);
    if (maps[slot] == MAP_FAILED) return perror("mmap"), NULL;
    starts[slot] = start;
  }
  last_used[slot] = ++clock_tick;
  return maps[slot];
}

static long run(int fd, const uint64_t *offsets, long count) {
  static unsigned char scratch[READ];
  long sum = 0;
  for (long i = 0; i < count; i++) {
    uint64_t start = offsets[i] & ~(uint64_t)(WINDOW - 1);
    unsigned char *window = window_at(fd, start);
    if (!window) return -1;
    memcpy(scratch, window + (offsets[i] - start), READ);
    sum += scratch[0] + scratch[READ - 1];
  }
  return sum;
}

int main(int argc, char **argv) {
  if (argc < 2) return fprintf(stderr, "usage: %s FILE\n", argv[0]), 2;
  long file_size;
  int fd = open_file(argv[1], &file_size);
  uint64_t *warmup = random_offsets(10000, file_size - READ, READ, 0xc2b2ae35);
  uint64_t *timed = random_offsets(20000, file_size - READ, READ, 0x85ebca6b);
  run(fd, warmup, 10000);
  run(fd, warmup, 10000);
  double start = cpu_ns();
  long sum = run(fd, timed, 20000);
  printf("%.2f us a read (process CPU; sum %ld)\n", (cpu_ns() - start) / 20000 / 1e3, sum);
  return 0;
}
