/* cert_rules: checks of the NEW dialog's answers. */
#include "cert_rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int cert_check_subject_field(const char *value, size_t max, int required, struct err *e)
{
	if (required && !value[0])
		return err_set(e, "You must enter a value.");
	if (strlen(value) > max)
		return err_set(e, "The value must be at most %zu characters long.", max);
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return err_set(e, "That value is not valid. Control characters are not "
					  "allowed.");
	return 0;
}

int cert_check_country(char *value, struct err *e)
{
	if (!value[0])
		return 0;
	if (strlen(value) != 2 || !isalpha((unsigned char)value[0]) ||
	    !isalpha((unsigned char)value[1]) || (unsigned char)value[0] > 0x7f ||
	    (unsigned char)value[1] > 0x7f)
		return err_set(e, "That value is not valid. Country should be a ISO two character "
				  "country code");
	value[0] = (char)toupper((unsigned char)value[0]);
	value[1] = (char)toupper((unsigned char)value[1]);
	return 0;
}

static int dns_ok(const char *v)
{
	size_t n = strlen(v), label = 0;

	if (strncmp(v, "*.", 2) == 0)
		v += 2, n -= 2;
	if (n == 0 || n > 253)
		return 0;
	for (const char *p = v;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-' || p[-(long)label] == '-')
				return 0;
			if (*p == '\0')
				return 1;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-')
			return 0;
		if ((unsigned char)*p > 0x7f)
			return 0;
		label++;
	}
}

int cert_check_san(const char *value, struct err *e)
{
	unsigned char addr[16];

	if (inet_pton(AF_INET, value, addr) == 1 || inet_pton(AF_INET6, value, addr) == 1 ||
	    dns_ok(value))
		return 0;
	return err_set(e, "That value is not valid. Enter a DNS name (such as mail.example.com "
			  "or *.example.com) or an IP address.");
}

int cert_check_days(const char *value, int *days, struct err *e)
{
	char *end;
	long n = strtol(value, &end, 10);

	if (!value[0] || *end || !isdigit((unsigned char)value[0]) || n < 1 || n > 36500)
		return err_set(e, "The value must be a number of days from 1 to 36500.");
	*days = (int)n;
	return 0;
}
