/* Sections about files the process sees: devices (/dev or --dev) and
 * paths (--path). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "checker.h"

static char file_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFSOCK: return 's';
	default: return '?';
	}
}

/* Fills buf with "<type> <major>:<minor> <mode> <uid>:<gid>" and returns 0,
 * or with "missing" / "errno N NAME" and returns -1. */
static int describe_node(const char *path, struct stat *st, char *buf, size_t size)
{
	if (lstat(path, st) < 0) {
		snprintf(buf, size, "%s", errno == ENOENT ? "missing" : errstr(errno));
		return -1;
	}
	snprintf(buf, size, "%c %u:%u %04o %u:%u", file_type(st->st_mode),
		 major(st->st_rdev), minor(st->st_rdev), (unsigned)(st->st_mode & 07777),
		 st->st_uid, st->st_gid);
	return 0;
}

static void emit_dev(struct out *o, const char *path)
{
	struct stat st;
	char node[128];

	describe_node(path, &st, node, sizeof(node));
	emit(o, "dev.%s: %s", esc_str(path), node);
}

void section_devices(struct out *o, const struct opts *opt)
{
	DIR *d;
	struct dirent *de;
	int i;

	for (i = 0; i < opt->n_devs; i++)
		emit_dev(o, opt->devs[i]);
	if (opt->n_devs)
		return;
	d = opendir("/dev");
	if (!d) {
		emit(o, "dev./dev: %s", errno == ENOENT ? "missing" : errstr(errno));
		return;
	}
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		emit_dev(o, path);
	}
	closedir(d);
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* What a regular file, directory or symlink holds, as the last field. */
static void path_detail(const char *path, const struct stat *st, char *buf, size_t size)
{
	char data[64], target[PATH_MAX];
	ssize_t n;
	int fd, r;

	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0) {
			snprintf(buf, size, "size=%lld read=%s", (long long)st->st_size,
				 strerrorname_np(errno));
			return;
		}
		n = read(fd, data, sizeof(data));
		close(fd);
		if (n < 0)
			snprintf(buf, size, "size=%lld read=%s", (long long)st->st_size,
				 strerrorname_np(errno));
		else
			snprintf(buf, size, "size=%lld data=%s", (long long)st->st_size,
				 esc(data, (size_t)n));
		return;
	case S_IFDIR:
		r = count_entries(path);
		if (r < 0)
			snprintf(buf, size, "entries=%s", strerrorname_np(-r));
		else
			snprintf(buf, size, "entries=%d", r);
		return;
	case S_IFLNK:
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		snprintf(buf, size, "target=%s", esc_str(target));
		return;
	default:
		snprintf(buf, size, "-");
	}
}

void section_paths(struct out *o, const struct opts *opt)
{
	int i;

	for (i = 0; i < opt->n_paths; i++) {
		const char *p = opt->paths[i];
		char node[128], detail[PATH_MAX + 64];
		struct stat st;

		if (describe_node(p, &st, node, sizeof(node)) < 0) {
			emit(o, "path.%s: %s", esc_str(p), node);
			continue;
		}
		path_detail(p, &st, detail, sizeof(detail));
		/* esc() has one buffer: the key is escaped last, after detail. */
		emit(o, "path.%s: %s %c%c %s", esc_str(p), node,
		     access(p, R_OK) == 0 ? 'r' : '-', access(p, W_OK) == 0 ? 'w' : '-', detail);
	}
}
