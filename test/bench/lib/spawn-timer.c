/*
 * Times commands as libvirtd starts a hook: fork, exec with descriptors 0, 1 and 2 only, the input
 * written by the parent into a pipe on the child's stdin, then wait. A Node harness adds 3-4 ms of
 * its own to every process it starts (spawnSync's event loop, pipes and the copy of a large
 * parent), which is part of no command's cost and would fall unevenly on a short command and its
 * long baseline.
 *
 * Usage: spawn-timer SPEC STDERR-FILE
 * SPEC is a sequence of NUL-terminated fields (written by measure.mjs):
 *   iterations warmup commands
 *   then per command: steps, then per step:
 *     cwd ("" for this one) argc argv... envc env... input ("" for /dev/null, else a file whose bytes
 *     are written to the pipe) expected-count expected-status...
 * Rounds alternate their order as measure.mjs's alternateWall does. Each recorded sample is printed
 * as "<command> <milliseconds>"; a step that does not end with an expected status prints
 * "fail <command> <step> <why>" and ends the run with status 1, its stderr left in STDERR-FILE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct step {
  const char *cwd;
  char **argv;
  char **env;
  const char *input;
  size_t input_length;
  int expected_count;
  int *expected;
};

struct command {
  int step_count;
  struct step *steps;
};

static char *spec_at;
static char *spec_end;

static void die(const char *what) {
  fprintf(stderr, "spawn-timer: %s: %s\n", what, strerror(errno));
  exit(2);
}

static const char *field(void) {
  if (spec_at >= spec_end) {
    fprintf(stderr, "spawn-timer: the spec ends early\n");
    exit(2);
  }
  const char *f = spec_at;
  spec_at += strlen(f) + 1;
  return f;
}

static int number(void) { return atoi(field()); }

static char **fields(int count) {
  char **list = calloc(count + 1, sizeof *list);
  for (int i = 0; i < count; i++) list[i] = (char *)field();
  return list;
}

static char *read_all(const char *path, size_t *length) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(path);
  struct stat st;
  if (fstat(fd, &st) < 0) die(path);
  char *bytes = malloc(st.st_size + 1);
  size_t at = 0;
  while (at < (size_t)st.st_size) {
    ssize_t n = read(fd, bytes + at, st.st_size - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die(path);
    at += n;
  }
  bytes[at] = 0;
  close(fd);
  *length = at;
  return bytes;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Runs one step; returns its wall time, or prints why it failed and exits. */
static double run_step(const struct step *s, int command, int index, const char *stderr_file) {
  double started = now_ms();
  int pipe_fds[2] = {-1, -1};
  if (s->input && pipe2(pipe_fds, O_CLOEXEC) < 0) die("pipe");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);
    int in = s->input ? pipe_fds[0] : open("/dev/null", O_RDONLY);
    int out = open("/dev/null", O_WRONLY);
    int err = open(stderr_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
    /* Descriptors 0, 1 and 2 only, as libvirt gives a hook: none of this timer's or its parents'. */
    int closed = -1;
#ifdef SYS_close_range
    closed = syscall(SYS_close_range, 3, ~0U, 0);
#endif
    if (closed != 0)
      for (long fd = 3, max = sysconf(_SC_OPEN_MAX); fd < max; fd++) close((int)fd);
    if (*s->cwd && chdir(s->cwd) < 0) _exit(126);
    execve(s->argv[0], s->argv, s->env);
    _exit(127);
  }
  if (s->input) {
    close(pipe_fds[0]);
    size_t at = 0;
    while (at < s->input_length) {
      ssize_t n = write(pipe_fds[1], s->input + at, s->input_length - at);
      if (n < 0 && errno == EINTR) continue;
      /* A command that does not read its stdin may exit first: its status decides. */
      if (n < 0 && errno == EPIPE) break;
      if (n < 0) die("write");
      at += n;
    }
    close(pipe_fds[1]);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die("waitpid");
  double ms = now_ms() - started;
  if (WIFSIGNALED(status)) {
    printf("fail %d %d signal %d\n", command, index, WTERMSIG(status));
    exit(1);
  }
  int code = WEXITSTATUS(status);
  for (int i = 0; i < s->expected_count; i++)
    if (s->expected[i] == code) return ms;
  printf("fail %d %d exit %d\n", command, index, code);
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: spawn-timer SPEC STDERR-FILE\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  size_t spec_length;
  spec_at = read_all(argv[1], &spec_length);
  spec_end = spec_at + spec_length;
  int iterations = number();
  int warmup = number();
  int command_count = number();
  struct command *commands = calloc(command_count, sizeof *commands);
  for (int c = 0; c < command_count; c++) {
    commands[c].step_count = number();
    commands[c].steps = calloc(commands[c].step_count, sizeof(struct step));
    for (int i = 0; i < commands[c].step_count; i++) {
      struct step *s = &commands[c].steps[i];
      s->cwd = field();
      s->argv = fields(number());
      s->env = fields(number());
      const char *input = field();
      s->input = *input ? read_all(input, &s->input_length) : NULL;
      s->expected_count = number();
      s->expected = calloc(s->expected_count, sizeof(int));
      for (int k = 0; k < s->expected_count; k++) s->expected[k] = number();
    }
  }
  for (int round = -warmup; round < iterations; round++) {
    for (int k = 0; k < command_count; k++) {
      int c = round % 2 == 0 ? k : command_count - 1 - k;
      double total = 0;
      for (int i = 0; i < commands[c].step_count; i++) total += run_step(&commands[c].steps[i], c, i, argv[2]);
      if (round >= 0) printf("%d %.6f\n", c, total);
    }
  }
  return fflush(stdout) == 0 ? 0 : 2;
}
