/* xauth.c: the Xauthority file format: keep one display's cookies for this machine (pure, no I/O). */
#include "xauth.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAMILY_LOCAL 256
#define FAMILY_WILD 65535

struct xauth_field {
	const uint8_t *data;
	uint16_t len;
};

static int xauth_read_u16(const uint8_t *in, size_t len, size_t *off, uint16_t *v)
{
	if (len - *off < 2)
		return -1;
	*v = (uint16_t)(in[*off] << 8 | in[*off + 1]);
	*off += 2;
	return 0;
}

static int xauth_read_field(const uint8_t *in, size_t len, size_t *off, struct xauth_field *f)
{
	if (xauth_read_u16(in, len, off, &f->len) < 0 || len - *off < f->len)
		return -1;
	f->data = in + *off;
	*off += f->len;
	return 0;
}

static bool field_is(const struct xauth_field *f, const char *s)
{
	return f->len == strlen(s) && !memcmp(f->data, s, f->len);
}

static void xauth_put_u16(FILE *f, uint16_t v)
{
	fputc(v >> 8, f);
	fputc(v & 0xff, f);
}

/* Record layout: family u16, then address, number, name, data, each a u16 big-endian length and bytes. */
int xauth_filter(const uint8_t *in, size_t len, unsigned display, const char *hostname, uint8_t **out,
		 size_t *out_len)
{
	char number[16];
	size_t off = 0;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int kept = 0;

	*out = NULL;
	*out_len = 0;
	if (!f)
		return -1;
	snprintf(number, sizeof(number), "%u", display);
	while (off < len) {
		struct xauth_field fld[4];
		uint16_t family;

		if (xauth_read_u16(in, len, &off, &family) < 0 || xauth_read_field(in, len, &off, &fld[0]) < 0 ||
		    xauth_read_field(in, len, &off, &fld[1]) < 0 || xauth_read_field(in, len, &off, &fld[2]) < 0 ||
		    xauth_read_field(in, len, &off, &fld[3]) < 0) {
			fclose(f);
			free(buf);
			errno = EINVAL;
			return -1;
		}
		if (!field_is(&fld[1], number) ||
		    !(family == FAMILY_WILD || (family == FAMILY_LOCAL && field_is(&fld[0], hostname))))
			continue;
		xauth_put_u16(f, FAMILY_WILD);
		for (int i = 0; i < 4; i++) {
			xauth_put_u16(f, fld[i].len);
			fwrite(fld[i].data, 1, fld[i].len, f);
		}
		kept++;
	}
	if (fclose(f) != 0) {
		free(buf);
		errno = ENOMEM;
		return -1;
	}
	*out = (uint8_t *)buf;
	*out_len = size;
	return kept;
}
