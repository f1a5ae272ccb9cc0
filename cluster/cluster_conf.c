/* cluster_conf: HOME/cluster.conf, this machine's membership (cluster.h). */
#include "cluster.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONF_NAME "cluster.conf"

int cluster_check_name(const char *what, const char *name, struct err *e)
{
	size_t n = strlen(name);

	if (n == 0 || n > 63 ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") != n)
		return err_set(e,
			       "That value is not valid. A %s name is 1 to 63 letters, digits, "
			       "\"_\", \".\" or \"-\".",
			       what);
	return 0;
}

static int set_field(struct cluster_conf *c, const char *k, const char *v, struct err *e)
{
	struct {
		const char *key;
		char *dst;
		size_t len;
	} fields[] = {
		{ "name", c->name, sizeof(c->name) },
		{ "machine", c->machine, sizeof(c->machine) },
		{ "group", c->group, sizeof(c->group) },
		{ "endpoints", c->endpoints, sizeof(c->endpoints) },
		{ "disconnected", c->disconnected, sizeof(c->disconnected) },
		{ "cacert", c->etcd.cacert, sizeof(c->etcd.cacert) },
		{ "cert", c->etcd.cert, sizeof(c->etcd.cert) },
		{ "key", c->etcd.key, sizeof(c->etcd.key) },
		{ "user", c->etcd.user, sizeof(c->etcd.user) },
		{ "password", c->etcd.password, sizeof(c->etcd.password) },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(k, fields[i].key) == 0) {
			if (strlen(v) >= fields[i].len)
				return err_set(e, "cluster.conf: %s is too long.", k);
			memcpy(fields[i].dst, v, strlen(v) + 1);
			return 0;
		}
	return err_set(e, "cluster.conf: unknown setting \"%.40s\".", k);
}

int cluster_conf_load(const char *home, struct cluster_conf *c, struct err *e)
{
	char path[4096], line[2200];
	struct etcd keep;
	FILE *f;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/%s", home, CONF_NAME);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0
				       : err_set(e, "Cannot read %s: %s", path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!eq) {
			rc = err_set(e, "cluster.conf: a line without \"=\".");
			break;
		}
		*eq = '\0';
		rc = set_field(c, line, eq + 1, e);
	}
	fclose(f);
	if (rc < 0)
		return -1;
	keep = c->etcd;
	if (etcd_init(&c->etcd, c->endpoints, e) < 0)
		return -1;
	memcpy(c->etcd.cacert, keep.cacert, sizeof(keep.cacert));
	memcpy(c->etcd.cert, keep.cert, sizeof(keep.cert));
	memcpy(c->etcd.key, keep.key, sizeof(keep.key));
	memcpy(c->etcd.user, keep.user, sizeof(keep.user));
	memcpy(c->etcd.password, keep.password, sizeof(keep.password));
	if (!c->name[0] || !c->machine[0])
		return err_set(e, "cluster.conf: name and machine are required.");
	return 1;
}

int cluster_conf_save(const char *home, const struct cluster_conf *c, struct err *e)
{
	char path[4096], tmp[4200];
	FILE *f;
	int fd, bad;

	snprintf(path, sizeof(path), "%s/%s", home, CONF_NAME);
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return err_set(e, "Cannot write %s: %s", tmp, strerror(errno));
	}
	fprintf(f, "# tlsgate cluster membership (docs/CLUSTER.md)\n");
	fprintf(f, "name=%s\nmachine=%s\ngroup=%s\nendpoints=%s\n", c->name, c->machine,
		c->group[0] ? c->group : "Main_Group", c->endpoints);
	if (c->disconnected[0] == '1')
		fprintf(f, "disconnected=1\n");
	if (c->etcd.cacert[0])
		fprintf(f, "cacert=%s\n", c->etcd.cacert);
	if (c->etcd.cert[0])
		fprintf(f, "cert=%s\nkey=%s\n", c->etcd.cert, c->etcd.key);
	if (c->etcd.user[0])
		fprintf(f, "user=%s\npassword=%s\n", c->etcd.user, c->etcd.password);
	bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) < 0) {
		unlink(tmp);
		return err_set(e, "Cannot write %s.", path);
	}
	return 0;
}

int cluster_conf_remove(const char *home, struct err *e)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", home, CONF_NAME);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(e, "Cannot remove %s: %s", path, strerror(errno));
	return 0;
}
