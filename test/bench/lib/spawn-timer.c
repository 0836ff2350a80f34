/*
 * Times commands as libvirtd runs a hook (virCommandRun): fork, exec with descriptors 0, 1 and 2
 * only, the input written by the parent into a pipe on the command's stdin, stdout and stderr read
 * through pipes until every writer has closed them, then the wait. A Node harness adds 3-4 ms of its
 * own to every process it starts (spawnSync's event loop and the copy of a large parent), which is
 * part of no command's cost and would fall unevenly on a short command and its long baseline.
 *
 * Usage: spawn-timer SPEC STDERR-FILE RUNNER-PID
 * SPEC is a sequence of NUL-terminated fields (written by measure.mjs):
 *   iterations warmup commands
 *   then per command: steps, then per step:
 *     cwd ("" for this one) argc argv... envc env... input ("" for /dev/null, else a file whose bytes
 *     are written to the pipe) expected-count expected-status...
 * Rounds alternate their order as measure.mjs's alternateWall does. Each recorded sample is printed
 * as "<command> <milliseconds>"; a step that cannot start or does not end with an expected status
 * prints "fail <command> <step> <why>" and ends the run with status 1, the end of its stderr left
 * in STDERR-FILE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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

/* The last bytes a command wrote to stderr, shown when it fails. */
#define STDERR_TAIL 8192
static char stderr_tail[STDERR_TAIL];
static size_t stderr_kept;

static void keep_stderr(const char *bytes, size_t n) {
  if (n >= STDERR_TAIL) {
    memcpy(stderr_tail, bytes + n - STDERR_TAIL, STDERR_TAIL);
    stderr_kept = STDERR_TAIL;
    return;
  }
  if (stderr_kept + n > STDERR_TAIL) {
    size_t drop = stderr_kept + n - STDERR_TAIL;
    memmove(stderr_tail, stderr_tail + drop, stderr_kept - drop);
    stderr_kept -= drop;
  }
  memcpy(stderr_tail + stderr_kept, bytes, n);
  stderr_kept += n;
}

/* A failed step: its stderr into STDERR-FILE, the line for measure.mjs, status 1. */
__attribute__((noreturn)) static void fail(const char *stderr_file, int command, int index, const char *why, const char *detail) {
  int fd = open(stderr_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    if (stderr_kept > 0 && write(fd, stderr_tail, stderr_kept) < 0) { /* the failure is reported anyway */ }
    close(fd);
  }
  printf("fail %d %d %s%s\n", command, index, why, detail);
  exit(1);
}

static void nonblocking(int fd) {
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
}

/*
 * The child: stdin, stdout and stderr on the pipes, descriptors 0, 1 and 2 only (and, until exec,
 * the report pipe as 3, closed by exec), then the command found as execvp finds it on the PATH of
 * its own environment. What stops it from starting is written to the report pipe.
 */
static void start_child(const struct step *s, const int in[2], const int out[2], const int err[2], int report) {
  signal(SIGPIPE, SIG_DFL);
  int stdin_fd = s->input ? in[0] : open("/dev/null", O_RDONLY);
  int failed = stdin_fd < 0 || dup2(stdin_fd, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0 ||
               (report == 3 ? fcntl(3, F_SETFD, FD_CLOEXEC) : dup3(report, 3, O_CLOEXEC)) < 0;
  int closed = -1;
#ifdef SYS_close_range
  closed = syscall(SYS_close_range, 4, ~0U, 0);
#endif
  if (closed != 0)
    for (long fd = 4, max = sysconf(_SC_OPEN_MAX); fd < max; fd++) close((int)fd);
  if (!failed && (!*s->cwd || chdir(s->cwd) == 0)) {
    environ = s->env;
    execvp(s->argv[0], s->argv);
  }
  int code = errno;
  if (write(3, &code, sizeof code) < 0) { /* the parent then sees an exit of 127 */ }
  _exit(127);
}

/*
 * Runs one step as libvirt runs a hook (virCommandRun): the input written and stdout and stderr
 * read through pipes until every writer has closed them, then the wait. Returns its wall time, or
 * prints why it failed and exits.
 */
static double run_step(const struct step *s, int command, int index, const char *stderr_file) {
  stderr_kept = 0;
  double started = now_ms();
  int in[2] = {-1, -1}, out[2], err[2], report[2];
  if ((s->input && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0) die("pipe");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) start_child(s, in, out, err, report[1]);
  close(out[1]);
  close(err[1]);
  close(report[1]);
  int input = -1;
  if (s->input) {
    close(in[0]);
    input = in[1];
    if (s->input_length == 0) {
      close(input);
      input = -1;
    } else {
      nonblocking(input);
    }
  }
  int output = out[0], errors = err[0];
  nonblocking(output);
  nonblocking(errors);
  size_t written = 0;
  static char scratch[65536];
  while (input >= 0 || output >= 0 || errors >= 0) {
    struct pollfd watched[3];
    int n = 0;
    if (input >= 0) watched[n++] = (struct pollfd){.fd = input, .events = POLLOUT};
    if (output >= 0) watched[n++] = (struct pollfd){.fd = output, .events = POLLIN};
    if (errors >= 0) watched[n++] = (struct pollfd){.fd = errors, .events = POLLIN};
    if (poll(watched, n, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    for (int i = 0; i < n; i++) {
      if (!watched[i].revents) continue;
      int fd = watched[i].fd;
      if (fd == input) {
        ssize_t k = write(input, s->input + written, s->input_length - written);
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        /* A command that does not read its stdin may exit first: its status decides. */
        if (k < 0 && errno != EPIPE) die("write");
        if (k > 0) written += k;
        if (k < 0 || written == s->input_length) {
          close(input);
          input = -1;
        }
        continue;
      }
      ssize_t k = read(fd, scratch, sizeof scratch);
      if (k < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (k > 0) {
        if (fd == errors) keep_stderr(scratch, k);
        continue;
      }
      close(fd);
      if (fd == output) output = -1;
      else errors = -1;
    }
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die("waitpid");
  double ms = now_ms() - started;
  int start_error = 0;
  ssize_t got;
  while ((got = read(report[0], &start_error, sizeof start_error)) < 0 && errno == EINTR) {
  }
  close(report[0]);
  if (got == (ssize_t)sizeof start_error) fail(stderr_file, command, index, "cannot start: ", strerror(start_error));
  char detail[32];
  if (WIFSIGNALED(status)) {
    snprintf(detail, sizeof detail, "%d", WTERMSIG(status));
    fail(stderr_file, command, index, "signal ", detail);
  }
  int code = WEXITSTATUS(status);
  for (int i = 0; i < s->expected_count; i++)
    if (s->expected[i] == code) return ms;
  snprintf(detail, sizeof detail, "%d", code);
  fail(stderr_file, command, index, "exit ", detail);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: spawn-timer SPEC STDERR-FILE RUNNER-PID\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  /* A runner killed (a CI timeout) ends the timer too, not only the command it was timing. The
   * runner names itself: a runner that died before the prctl leaves the timer a child of another
   * process, which getppid() taken here could not tell. */
  pid_t runner = (pid_t)strtol(argv[3], NULL, 10);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != runner) return 2;
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
