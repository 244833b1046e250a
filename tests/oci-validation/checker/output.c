/* keel-checker's output: facts collected per section as lines, sorted or
 * not, then printed; the escaping and error format every value uses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checker.h"

__attribute__((format(printf, 2, 3)))
void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0) {
		perror("keel-checker: vasprintf");
		exit(3);
	}
	va_end(ap);
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 32;
		o->lines = realloc(o->lines, o->cap * sizeof(*o->lines));
		if (!o->lines) {
			perror("keel-checker: realloc");
			exit(3);
		}
	}
	o->lines[o->n++] = line;
}

int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void out_flush(struct out *o, int sorted)
{
	size_t i;

	if (sorted)
		qsort(o->lines, o->n, sizeof(*o->lines), cmp_str);
	for (i = 0; i < o->n; i++) {
		puts(o->lines[i]);
		free(o->lines[i]);
	}
	free(o->lines);
	o->lines = NULL;
	o->n = o->cap = 0;
}

/* Bytes below 0x20, DEL and backslash become \xNN so a value stays on one
 * line and decodes unambiguously.  Returns a static buffer. */
const char *esc(const char *s, size_t len)
{
	static char buf[8192];
	size_t i, j = 0;

	for (i = 0; i < len && j + 5 < sizeof(buf); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			j += (size_t)snprintf(buf + j, sizeof(buf) - j, "\\x%02x", c);
		else
			buf[j++] = (char)c;
	}
	buf[j] = '\0';
	return buf;
}

const char *esc_str(const char *s)
{
	return esc(s, strlen(s));
}

/* "errno <N> <NAME>" for an error, the one error format of every value. */
const char *errstr(int e)
{
	static char buf[64];
	const char *name = strerrorname_np(e);

	snprintf(buf, sizeof(buf), "errno %d %s", e, name ? name : "UNKNOWN");
	return buf;
}

int proc_available(void)
{
	return access("/proc/self/stat", F_OK) == 0;
}

/* Reads a small file into buf, strips trailing newlines; -errno on error. */
int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}
