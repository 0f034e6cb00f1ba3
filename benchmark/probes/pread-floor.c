/*
 * W4's floor: 10^6 random 4-byte preads over a file, nothing else, at the offsets W4 reads
 * (the file's size stands in for W4's 2 GiB). What a positional read costs the kernel alone.
 *   cc -O2 -o /tmp/pread-floor benchmark/probes/pread-floor.c && /tmp/pread-floor FILE
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "probe.h"

int main(int argc, char **argv) {
  if (argc < 2) return fprintf(stderr, "usage: %s FILE\n", argv[0]), 2;
  long file_size;
  int fd = open_file(argv[1], &file_size);
  const long reads = 1000000;
  uint64_t *offsets = random_offsets(reads, file_size - 4, 1, 0x27d4eb2f);
  uint32_t sum = 0, word;
  /* The first pass warms the page-cache lookup's own caches, as the workloads' warm-up does. */
  for (int pass = 0; pass < 3; pass++) {
    double start = cpu_ns();
    for (long i = 0; i < reads; i++) {
      if (pread(fd, &word, 4, (off_t)offsets[i]) != 4) return perror("pread"), 1;
      sum += word;
    }
    printf("pass %d: %.1f ns a read (process CPU; sum %u)\n", pass, (cpu_ns() - start) / reads, sum);
  }
  return 0;
}
