/* What the probes share: opening the file, the workloads' offsets and two clocks. */
#ifndef PROBE_H
#define PROBE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

/* The probe's file, opened for reading, with its size in `*size`; exits naming it if it cannot. */
static inline int open_file(const char *path, long *size) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    perror(path);
    exit(1);
  }
  *size = st.st_size;
  return fd;
}

/* Nanoseconds of this process's CPU time, as the warm workloads are judged. */
static inline double cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

/* Nanoseconds of wall time. */
static inline double wall_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

/* The offsets harness.js's randomOffsets() makes, so a probe reads where a workload reads:
 * `count` offsets in [0, limit), multiples of `align`, from the xorshift32 `seed`. */
static inline uint64_t *random_offsets(long count, uint64_t limit, uint64_t align, uint32_t seed) {
  uint64_t *offsets = malloc(count * sizeof *offsets);
  uint32_t state = seed ? seed : 1;
  uint64_t slots = limit / align;
  for (long i = 0; i < count; i++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    offsets[i] = (uint64_t)((state / 4294967296.0) * (double)slots) * align;
  }
  return offsets;
}

#endif
