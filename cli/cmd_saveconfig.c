/* cmd_saveconfig: saveconfig and showconfig — the committed configuration,
 * every setting and every entry, as an XML file in configuration/ or on the
 * terminal (tls/config_xml.h), secrets masked, encrypted or plain. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/entries.h"
#include "../confxml/config_xml.h"
#include "commands.h"
#include "config_files.h"
#include "input.h"
#include "prompt.h"
#include "roles.h"

#define PRODUCT         "tlsgate TLS gateway"
#define MODEL           "tlsgate"
#define PRODUCT_VERSION "1.0"
#define SERIAL_NAME     "serial"
#define SERIAL_LEN      16
#define PASSPHRASE_MIN  8

/* ---- the document ---- */

struct collect {
	struct cfgxml_doc *doc;
	const char *kind;
};

static int add_entry(const char *name, const char *value, void *arg)
{
	struct collect *c = arg;
	char key[ENTRY_NAME_MAX + 64];

	snprintf(key, sizeof(key), "%s.%s", c->kind, name);
	cfgxml_add(c->doc, key, value, 0);
	return 0;
}

/* Every setting (the table's order) and every entry of every kind, all of
 * one committed version. */
static int export_doc(struct db *db, struct cfgxml_doc *doc, struct config *c, struct err *e)
{
	struct strbuf v;
	long version;

	cfgxml_doc_init(doc);
	if (db_latest_version(db, &version, e) < 0 || db_load_config(db, version, c, e) < 0)
		return -1;
	strbuf_init(&v);
	for (size_t i = 0; i < config_settings_count; i++) {
		strbuf_reset(&v);
		config_get(c, &config_settings[i], &v);
		cfgxml_add(doc, config_settings[i].key, v.data, 0);
	}
	strbuf_free(&v);
	for (size_t k = 0; k < entry_kinds_count && k < CFGXML_KINDS_MAX; k++) {
		struct collect col = { doc, entry_kinds[k].kind };
		doc->kind_listed[k] = true;
		if (db_entries_list(db, version, NULL, entry_kinds[k].kind, add_entry, &col, e) <
		    0) {
			cfgxml_doc_free(doc);
			return -1;
		}
	}
	return 0;
}

/* ---- the machine's serial number: made once, kept in the home ---- */

static bool serial_ok(const char *s)
{
	if (strlen(s) != SERIAL_LEN)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789ABCDEF", *s))
			return false;
	return true;
}

static int read_serial(const char *path, char *out)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, out, SERIAL_LEN + 1);
	close(fd);
	if (n < SERIAL_LEN)
		return -1;
	out[SERIAL_LEN] = '\0';
	return serial_ok(out) ? 0 : -1;
}

/* Written to a temporary file and linked into place: two consoles racing
 * agree on the first one's number. */
static int machine_serial(const char *home, char *out, struct err *e)
{
	char path[4096], tmp[4200];
	unsigned char raw[SERIAL_LEN / 2];
	mode_t mode = db_home_shared(home) ? 0660 : 0600;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", home, SERIAL_NAME);
	if (read_serial(path, out) == 0)
		return 0;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return err_set(e, "No random numbers for the serial number.");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02X", raw[i]);
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return err_set(e, "The serial number cannot be written: %s.", strerror(errno));
	fchmod(fd, mode);
	if (write(fd, out, SERIAL_LEN) != SERIAL_LEN || write(fd, "\n", 1) != 1) {
		close(fd);
		unlink(tmp);
		return err_set(e, "The serial number cannot be written.");
	}
	close(fd);
	if (link(tmp, path) < 0 && errno != EEXIST) {
		unlink(tmp);
		return err_set(e, "The serial number cannot be written: %s.", strerror(errno));
	}
	unlink(tmp);
	return read_serial(path, out) == 0 ? 0 : err_set(e, "The serial number is damaged.");
}

/* ---- rendering ---- */

static int render(struct session *s, enum cfgxml_secrets mode, const char *passphrase,
		  struct strbuf *out, char *serial, struct config *c, struct err *e)
{
	struct cfgxml_header h = { PRODUCT, MODEL, PRODUCT_VERSION, serial, NULL };
	struct cfgxml_doc doc;
	char date[64];
	int rc;

	if (machine_serial(s->home, serial, e) < 0 || export_doc(s->db, &doc, c, e) < 0)
		return -1;
	format_date(time(NULL), date, sizeof(date));
	h.time = date;
	rc = cfgxml_write(&doc, &h, mode, passphrase, out, e);
	cfgxml_doc_free(&doc);
	return rc;
}

static void wipe(struct strbuf *sb)
{
	memset(sb->data, 0, sb->len);
	strbuf_free(sb);
}

/* ---- saveconfig ---- */

static const char *const options[] = {
	"Mask passphrases (Files with masked passphrases cannot be loaded using loadconfig "
	"command)",
	"Encrypt passphrases",
	"Plain passphrases",
};

/* The one-line forms: "1|2|3", "y|n" (the older "mask?" question), "y 1". */
static int option_of_words(int argc, char **argv, int *option)
{
	int yes_no = 0, number = 0;

	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (i == 1 && (strcasecmp(w, "y") == 0 || strcasecmp(w, "yes") == 0))
			yes_no = 1;
		else if (i == 1 && (strcasecmp(w, "n") == 0 || strcasecmp(w, "no") == 0))
			yes_no = 3;
		else if ((i == argc - 1) && strlen(w) == 1 && w[0] >= '1' && w[0] <= '3')
			number = w[0] - '0';
		else
			return -1;
	}
	if (argc == 3 && !yes_no)
		return -1;
	/* "y 3" (mask, then plain) and "n 1" contradict each other. */
	if (yes_no && number && ((yes_no == 1 && number == 3) || (yes_no == 3 && number == 1)))
		return -1;
	*option = number ? number : yes_no;
	return 0;
}

static int check_passphrase(char *answer, void *arg, struct err *e)
{
	(void)arg;
	if (strlen(answer) < PASSPHRASE_MIN)
		return err_set(e, "The passphrase must be at least %d characters long.",
			       PASSPHRASE_MIN);
	return 0;
}

static int ask_new_passphrase(struct session *s, char *pass, size_t len)
{
	char again[1024];

	for (;;) {
		if (ask_secret(s, "Enter a passphrase to encrypt the passphrases and keys with:",
			       pass, len, check_passphrase, NULL) < 0 ||
		    ask_secret(s, "Please enter the passphrase again:", again, sizeof(again), NULL,
			       NULL) < 0)
			return -1;
		bool same = strcmp(pass, again) == 0;
		memset(again, 0, sizeof(again));
		if (same)
			return 0;
		if (say_invalid(s, "The passphrases do not match.") < 0)
			return -1;
	}
}

int cmd_saveconfig(struct session *s, int argc, char **argv)
{
	char serial[SERIAL_LEN + 1], name[160], stamp[32], pass[1024] = "",
							   host[CONFIG_HOSTNAME_MAX + 1];
	struct strbuf out;
	struct config c;
	struct err e;
	struct tm tm;
	time_t now = time(NULL);
	int option = 0, rc;

	if (argc > 1 && option_of_words(argc, argv, &option) < 0)
		return command_error(s, "That value is not valid. Usage: saveconfig [1|2|3] "
					"(1 mask, 2 encrypt, 3 plain passphrases), or saveconfig "
					"y|n [1|2|3]");
	if (!option && ask_pick(s, "Choose the passphrase option:", options, 3, 1, &option) < 0)
		return -1;
	/* Plain private keys are for an admin (certconfig EXPORT's role). */
	if (option == CFGXML_PLAIN && !role_check(s, ROLE_ADMIN, "saveconfig plain passphrases"))
		return command_error(s, "Choose option 1 or 2, or ask an administrator.");
	if (option == CFGXML_ENCRYPTED && ask_new_passphrase(s, pass, sizeof(pass)) < 0)
		return -1;
	strbuf_init(&out);
	rc = render(s, (enum cfgxml_secrets)option, pass, &out, serial, &c, &e);
	memset(pass, 0, sizeof(pass));
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(name, sizeof(name), "%s-%s-%s.xml", MODEL, serial, stamp);
	if (rc == 0)
		rc = config_file_write_secret(s, name, out.data, out.len, option != CFGXML_MASKED,
					      &e);
	wipe(&out);
	if (rc < 0)
		return command_error(s, e.msg);
	if (option == CFGXML_PLAIN)
		printf("Warning: the file holds the private keys in clear text. Keep it where only "
		       "administrators can read it.\n");
	/* The backup scripts grep the one line holding "xml". */
	snprintf(host, sizeof(host), "%s", c.hostname);
	printf("File written on machine \"%s\" to the location\n\"/%s/%s\".\n", host,
	       "configuration", name);
	printf("Configuration saved.\n");
	return 0;
}

/* ---- showconfig ---- */

int cmd_showconfig(struct session *s, int argc, char **argv)
{
	char serial[SERIAL_LEN + 1];
	struct strbuf out;
	struct config c;
	struct err e;

	(void)argc;
	(void)argv;
	strbuf_init(&out);
	if (render(s, CFGXML_MASKED, NULL, &out, serial, &c, &e) < 0) {
		strbuf_free(&out);
		return command_error(s, e.msg);
	}
	fwrite(out.data, 1, out.len, stdout);
	strbuf_free(&out);
	return 0;
}
