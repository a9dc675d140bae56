/* fuzz-proto.c: libFuzzer target for the SETUP, ERROR and STATUS decoders, with re-encode round-trip checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Anything the decoder accepts must encode, and decode again to the same setup. */
static void check_setup_round_trip(const struct drop_setup *s)
{
	struct drop_setup again;
	struct drop_err err;
	uint8_t *msg = NULL;
	size_t len = 0;

	if (proto_encode_setup(s, &msg, &len, &err) < 0)
		abort();
	if (proto_decode_setup(msg, len, &again, &err) < 0)
		abort();
	if (!setup_equal(s, &again))
		abort();
	setup_free(&again);
	free(msg);
}

/* An accepted ERROR body must be a real status and a terminated message. */
static void check_error(const struct drop_err *e)
{
	if (e->status < 0 || e->status > 255 || !memchr(e->msg, '\0', sizeof(e->msg)))
		abort();
}

/* An accepted STATUS is exactly the bytes its values encode to. */
static void check_status(const uint8_t *data, size_t size, int wait_status, uint64_t maxrss_kib)
{
	uint8_t again[PROTO_STATUS_SIZE];

	if (size != PROTO_STATUS_SIZE || proto_encode_status(wait_status, maxrss_kib, again) < 0 ||
	    memcmp(data, again, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drop_setup s;
	struct drop_err err;
	uint64_t rss;
	int ws;

	if (proto_decode_setup(data, size, &s, &err) == 0) {
		check_setup_round_trip(&s);
		setup_free(&s);
	}
	if (proto_decode_error(data, size, &err) == 0)
		check_error(&err);
	if (proto_decode_status(data, size, &ws, &rss, &err) == 0)
		check_status(data, size, ws, rss);
	return 0;
}
