/*
 * What windows of a given size cost a pass, with no Node in the way: maps FILE WINDOW bytes at
 * a time (private, as the package maps), reads the first byte of every page, unmaps. Prints
 * the pass's time and, apart, the cost of the pages the kernel had already mapped when their
 * 64 KiB was first touched (fault-around maps 16 pages a fault): a first touch of a mapped page.
 *   cc -O2 -o /tmp/window-touch benchmark/probes/window-touch.c
 *   /tmp/window-touch FILE 1048576; /tmp/window-touch FILE 2097152
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe.h"

int main(int argc, char **argv) {
  if (argc < 3) return fprintf(stderr, "usage: %s FILE WINDOW_BYTES\n", argv[0]), 2;
  long file_size;
  int fd = open_file(argv[1], &file_size);
  const long window = atol(argv[2]), page = 4096, group = 65536;
  if (window <= 0 || window % group) return fprintf(stderr, "WINDOW_BYTES: a multiple of 64 KiB\n"), 2;
  const long size = file_size - file_size % window;
  volatile unsigned sum = 0;
  double mapped_ns = 0, start = wall_ns();
  for (long ofs = 0; ofs < size; ofs += window) {
    unsigned char *p = mmap(NULL, window, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, ofs);
    if (p == MAP_FAILED) return perror("mmap"), 1;
    for (long at = 0; at < window; at += group) {
      sum += p[at]; /* faults, and maps the pages around */
      double t = wall_ns();
      for (long in = page; in < group; in += page) sum += p[at + in];
      mapped_ns += wall_ns() - t;
    }
    munmap(p, window);
  }
  double total = wall_ns() - start;
  long touched = (size / page) * (group / page - 1) / (group / page);
  printf("windows of %ld: %.1f ms a GiB; pages already mapped: %.0f ns each at first touch\n", window,
         total / 1e6 * (1L << 30) / size, mapped_ns / touched);
  return 0;
}
