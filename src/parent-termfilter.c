/* parent-termfilter.c: removes the control sequences that would let the sandbox command the host terminal (SPEC 5). */
#include "parent-termfilter.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a
#define C1_LEAD 0xc2  /* UTF-8 lead byte of U+0080..U+00BF: the C1 controls in their UTF-8 form */

enum tf_state {
	TF_GROUND,
	TF_C2,        /* after C1_LEAD in text */
	TF_ESC,       /* after ESC in text (held) */
	TF_CSI,       /* CSI header, held until the final byte */
	TF_CSI_DROP,  /* an over-long CSI, removed up to its final byte */
	TF_DCS,       /* DCS header, held until the final byte */
	TF_STR,       /* OSC or DCS string */
	TF_STR_ESC,   /* ESC in a string: ST, or the string ends and a new sequence starts */
	TF_STR_C2,    /* C1_LEAD in a string: perhaps ST in its UTF-8 form */
};

enum tf_kind { TF_OSC = 1, TF_DCSTR = 2 };
enum tf_mode { TF_HOLD, TF_PASS, TF_DROP };
enum tf_field { TF_FIELD_EMPTY, TF_FIELD_QMARK, TF_FIELD_OTHER, TF_FIELD_NUM };

void termfilter_init(struct termfilter *f)
{
	memset(f, 0, offsetof(struct termfilter, hold));
}

/* Where the output goes: a cursor into the caller's buffer. */
struct tf_out {
	uint8_t *p;
	size_t n;
};

static void emit(struct tf_out *o, const uint8_t *b, size_t n)
{
	memcpy(o->p + o->n, b, n);
	o->n += n;
}

static void emit1(struct tf_out *o, uint8_t b)
{
	o->p[o->n++] = b;
}

static void release(struct termfilter *f, struct tf_out *o)
{
	emit(o, f->hold, f->hold_len);
	f->hold_len = 0;
}

/* Hold one more byte of an undecided sequence; false when that would pass the bound. */
static bool hold(struct termfilter *f, uint8_t b)
{
	if (f->hold_len == TERMFILTER_HOLD) {
		f->hold_len = 0;
		return false;
	}
	f->hold[f->hold_len++] = b;
	return true;
}

static void start(struct termfilter *f, enum tf_state st, const uint8_t *intro, size_t n)
{
	memcpy(f->hold, intro, n);
	f->hold_len = n;
	f->state = st;
	f->num = 0;
	f->ndigits = 0;
	f->inter = 0;
	f->field = TF_FIELD_NUM;
	f->query = 0;
	f->mode = TF_HOLD;
}

static void add_digit(struct termfilter *f, uint8_t b)
{
	/* Leading zeros count for nothing: "CSI 0014 t" is "CSI 14 t". */
	if (f->num < 100000)
		f->num = f->num * 10 + (uint32_t)(b - '0');
	if (f->ndigits < 255)
		f->ndigits++;
}

static void start_by_c1(struct termfilter *f, uint8_t c1, const uint8_t *intro, size_t n)
{
	if (c1 == '[' || c1 == 0x9b) {
		start(f, TF_CSI, intro, n);
	} else if (c1 == ']' || c1 == 0x9d) {
		start(f, TF_STR, intro, n);
		f->kind = TF_OSC;
	} else {
		start(f, TF_DCS, intro, n);
		f->kind = TF_DCSTR;
	}
}

static bool is_continuation(uint8_t b)
{
	return b >= 0x80 && b <= 0xbf;
}

/* ---- strings (OSC, DCS) */

static bool osc_removed(const struct termfilter *f)
{
	return (f->field == TF_FIELD_NUM && f->ndigits && f->num == 52) || f->query || f->field == TF_FIELD_QMARK;
}

/*
 * The string ends: at its terminator (BEL, ST, or CAN/SUB, which the terminal
 * also gets), or cut short by the ESC or C1 control of the next sequence
 * (tlen 0). Cut short while still held, it goes: the terminal would keep the
 * string open, and what follows a removed sequence could complete it (an
 * "ESC ] 5" cut short, then "2;c;..." after a removed sequence, is OSC 52).
 */
static void end_string(struct termfilter *f, struct tf_out *o, const uint8_t *term, size_t tlen)
{
	bool removed = f->mode == TF_DROP || (f->mode == TF_HOLD && (osc_removed(f) || !tlen));

	if (!removed) {
		release(f, o);
		if (tlen)
			emit(o, term, tlen);
	}
	f->hold_len = 0;
	f->state = TF_GROUND;
}

/* The OSC number is known at its ';': clipboard removed, titles and links stream, the rest waits for its end. */
static void osc_number_done(struct termfilter *f, struct tf_out *o)
{
	if (f->ndigits && f->num == 52) {
		f->mode = TF_DROP;
		f->hold_len = 0;
	} else if (f->ndigits && (f->num <= 2 || f->num == 8)) {
		f->mode = TF_PASS;
		release(f, o);
	}
	f->field = TF_FIELD_EMPTY;
}

static void osc_track(struct termfilter *f, struct tf_out *o, uint8_t b)
{
	if (f->field == TF_FIELD_NUM) {
		if (b >= '0' && b <= '9')
			add_digit(f, b);
		else if (b == ';')
			osc_number_done(f, o);
		else
			f->field = TF_FIELD_OTHER, f->ndigits = 0;
		return;
	}
	if (b == ';') {
		if (f->field == TF_FIELD_QMARK)
			f->query = 1;
		f->field = TF_FIELD_EMPTY;
	} else {
		f->field = b == '?' && f->field == TF_FIELD_EMPTY ? TF_FIELD_QMARK : TF_FIELD_OTHER;
	}
}

static void str_byte(struct termfilter *f, struct tf_out *o, uint8_t b)
{
	bool was_hold = f->mode == TF_HOLD;

	if (f->mode == TF_PASS)
		emit1(o, b);
	else if (f->mode == TF_HOLD && !hold(f, b))
		f->mode = TF_DROP; /* over-long: removed whole */
	if (was_hold && f->mode == TF_HOLD && f->kind == TF_OSC)
		osc_track(f, o, b);
}

/* One byte in a string; returns false when the byte must be looked at again in the new state. */
static bool in_string(struct termfilter *f, struct tf_out *o, uint8_t b)
{
	static const uint8_t st7[] = { ESC, '\\' }, st8[] = { C1_LEAD, 0x9c };

	switch (f->state) {
	case TF_STR_ESC:
		if (b == '\\') {
			end_string(f, o, st7, 2);
			return true;
		}
		/* The string ends here, and the ESC starts the next sequence. (A terminal keeps a passed
		 * string open until it sees that ESC: text after a removed sequence only joins the string.) */
		end_string(f, o, NULL, 0);
		f->state = TF_ESC;
		return false;
	case TF_STR_C2:
		f->state = TF_STR;
		if (b == 0x9c) {
			end_string(f, o, st8, 2);
			return true;
		}
		if (b == 0x9b || b == 0x9d || b == 0x90) {
			/* CSI, OSC or DCS in UTF-8 form ends the string and starts a sequence, as ESC does. */
			uint8_t intro[2] = { C1_LEAD, b };
			end_string(f, o, NULL, 0);
			start_by_c1(f, b, intro, 2);
			return true;
		}
		/* Only a whole UTF-8 character passes: a lone lead byte could pair with what follows a removed sequence. */
		if (is_continuation(b))
			str_byte(f, o, C1_LEAD);
		return false;
	default:
		break;
	}
	if (b == ESC) {
		f->state = TF_STR_ESC;
	} else if (b == C1_LEAD) {
		f->state = TF_STR_C2;
	} else if ((b == BEL && f->kind == TF_OSC) || b == CAN || b == SUB) {
		end_string(f, o, &b, 1);
	} else {
		str_byte(f, o, b);
	}
	return true;
}

/* ---- CSI and DCS headers: parameters, intermediates, a final byte */

static bool csi_removed(const struct termfilter *f, uint8_t final)
{
	/* Window and title reports: CSI 13/14/18/19/20/21 t. */
	if (final != 't' || f->inter || !f->ndigits)
		return false;
	return f->num == 13 || f->num == 14 || (f->num >= 18 && f->num <= 21);
}

static void header_final(struct termfilter *f, struct tf_out *o, uint8_t b)
{
	if (f->state == TF_CSI) {
		if (!csi_removed(f, b)) {
			release(f, o);
			emit1(o, b);
		}
		f->hold_len = 0;
		f->state = TF_GROUND;
		return;
	}
	/* DCS: a request (DECRQSS "$q", XTGETTCAP "+q") is removed with its string. */
	f->state = TF_STR;
	if (b == 'q' && (f->inter == '$' || f->inter == '+')) {
		f->mode = TF_DROP;
		f->hold_len = 0;
	} else {
		f->mode = TF_PASS;
		release(f, o);
		emit1(o, b);
	}
}

/* One byte of a CSI or DCS header; returns false when the byte must be looked at again. */
static bool in_header(struct termfilter *f, struct tf_out *o, uint8_t b)
{
	if (b == ESC || b == CAN || b == SUB || b == C1_LEAD) {
		/* The sequence is cancelled before it did anything (C1_LEAD: perhaps a C1 control, as ESC). */
		f->hold_len = 0;
		f->state = TF_GROUND;
		if (b == CAN || b == SUB)
			emit1(o, b);
		return b == CAN || b == SUB;
	}
	if (b < 0x20) {
		emit1(o, b); /* a terminal executes C0 controls in the middle of a sequence */
		return true;
	}
	if (f->state == TF_CSI_DROP) {
		if (b >= 0x40 && b <= 0x7e)
			f->state = TF_GROUND;
		return true;
	}
	if (b >= 0x40 && b <= 0x7e) {
		header_final(f, o, b);
		return true;
	}
	if (!hold(f, b)) {
		/* Over-long: removed whole (a CSI up to its final byte, a DCS up to its ST). */
		if (f->state == TF_CSI) {
			f->state = TF_CSI_DROP;
		} else {
			f->state = TF_STR;
			f->mode = TF_DROP;
		}
		return true;
	}
	if (b >= '0' && b <= '9' && f->field == TF_FIELD_NUM)
		add_digit(f, b);
	else if (b >= 0x30 && b <= 0x3f)
		f->field = TF_FIELD_OTHER; /* the first parameter ended, or a private marker */
	else if (b >= 0x20 && b <= 0x2f)
		f->inter = b;
	return true;
}

/* ---- text */

static bool in_text(struct termfilter *f, struct tf_out *o, uint8_t b)
{
	static const uint8_t esc = ESC, lead = C1_LEAD;

	if (f->state == TF_ESC) {
		if (b == '[' || b == ']' || b == 'P') {
			uint8_t intro[2] = { ESC, b };
			start_by_c1(f, b, intro, 2);
			return true;
		}
		if (b == ESC)
			return true; /* the first ESC is cancelled by the second; passed alone, it could join what follows a removed sequence */
		if (b == C1_LEAD) {
			f->state = TF_C2; /* likewise cancelled by a C1 control in UTF-8 form */
			return true;
		}
		f->state = TF_GROUND;
		emit(o, &esc, 1);
		emit1(o, b);
		return true;
	}
	/* TF_C2 */
	f->state = TF_GROUND;
	if (b == 0x9b || b == 0x9d || b == 0x90) {
		uint8_t intro[2] = { C1_LEAD, b };
		start_by_c1(f, b, intro, 2);
		return true;
	}
	if (is_continuation(b))
		emit(o, &lead, 1); /* else an invalid lone lead byte goes, for the same reason as a lone ESC */
	return false;
}

/* The next ESC or C1 lead byte at or after i (n if none); memchr is vectorised, and each position is found once. */
static size_t next_special(const uint8_t *in, size_t i, size_t n, size_t *esc, size_t *c2)
{
	if (*esc == SIZE_MAX || *esc < i) {
		const uint8_t *p = memchr(in + i, ESC, n - i);
		*esc = p ? (size_t)(p - in) : n;
	}
	if (*c2 == SIZE_MAX || *c2 < i) {
		const uint8_t *p = memchr(in + i, C1_LEAD, n - i);
		*c2 = p ? (size_t)(p - in) : n;
	}
	return *esc < *c2 ? *esc : *c2;
}

size_t termfilter_run(struct termfilter *f, const uint8_t *in, size_t n, uint8_t *out)
{
	struct tf_out o = { .p = out, .n = 0 };
	size_t i = 0, esc = SIZE_MAX, c2 = SIZE_MAX;

	while (i < n) {
		uint8_t b;
		bool consumed;

		if (f->state == TF_GROUND) {
			/* The hot path: plain text up to the next ESC or C1 lead byte, copied as it is. */
			size_t j = next_special(in, i, n, &esc, &c2);

			emit(&o, in + i, j - i);
			if (j == n)
				break;
			f->state = in[j] == ESC ? TF_ESC : TF_C2;
			i = j + 1;
			continue;
		}
		b = in[i];
		switch (f->state) {
		case TF_ESC:
		case TF_C2:
			consumed = in_text(f, &o, b);
			break;
		case TF_CSI:
		case TF_CSI_DROP:
		case TF_DCS:
			consumed = in_header(f, &o, b);
			break;
		default:
			consumed = in_string(f, &o, b);
		}
		if (consumed)
			i++;
	}
	return o.n;
}
