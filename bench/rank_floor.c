/* The kernel's share of an exact ranking of every process by resident memory, with no interpreter around it:
 * what any recorder that ranks all processes at every sample pays at least (see rank_floor.py).
 *
 * Opens /proc/PID/statm of every process once and keeps the descriptors (as hostward's recorder does), then
 * for SAMPLES pairs of seconds: after a 1 s sleep, pread every statm and parse its resident field (a sample
 * in which no task was created); after another, list /proc and then do the same (a sample after a fork).
 * Prints the medians in microseconds of thread CPU time: "processes N quiet Q forky F listing L". */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_PIDS = 65536 };

static double cpu_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int n) {
    qsort(values, n, sizeof *values, by_value);
    return values[n / 2];
}

static int list_proc(void) { /* entries read; what matters is the kernel's walk of the tasks */
    DIR *dir = opendir("/proc");
    int entries = 0;
    if (dir == NULL) return -1;
    while (readdir(dir) != NULL) entries++;
    closedir(dir);
    return entries;
}

static long rank(const int *fds, int n) { /* sum of resident pages, so nothing is optimised away */
    long total = 0;
    for (int i = 0; i < n; i++) {
        char text[128];
        ssize_t got = pread(fds[i], text, sizeof text - 1, 0);
        if (got <= 0) continue;
        text[got] = '\0';
        char *space = strchr(text, ' ');
        if (space != NULL) total += atol(space + 1);
    }
    return total;
}

int main(int argc, char **argv) {
    int samples = argc > 1 ? atoi(argv[1]) : 10;
    static int fds[MAX_PIDS];
    int n = 0;
    DIR *dir = opendir("/proc");
    struct dirent *entry;
    if (samples < 1 || dir == NULL) return 2;
    while ((entry = readdir(dir)) != NULL && n < MAX_PIDS) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%s/statm", entry->d_name);
        int fd = open(path, O_RDONLY);
        if (fd >= 0) fds[n++] = fd;
    }
    closedir(dir);
    double *quiet = calloc(samples, sizeof *quiet), *forky = calloc(samples, sizeof *forky);
    double *listing = calloc(samples, sizeof *listing);
    long sink = 0;
    for (int s = 0; s < samples; s++) {
        sleep(1);
        double t0 = cpu_us();
        sink += rank(fds, n);
        quiet[s] = cpu_us() - t0;
        sleep(1);
        t0 = cpu_us();
        sink += list_proc();
        double t1 = cpu_us();
        sink += rank(fds, n);
        forky[s] = cpu_us() - t0;
        listing[s] = t1 - t0;
    }
    printf("processes %d quiet %.1f forky %.1f listing %.1f\n", n, median(quiet, samples),
           median(forky, samples), median(listing, samples));
    return sink == -1;
}
