/* parent-termfilter.h: removes the control sequences that would let the sandbox command the host terminal (SPEC 5). */
#ifndef DROP_PARENT_TERMFILTER_H
#define DROP_PARENT_TERMFILTER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Removed: OSC 52 (clipboard), an OSC with a field that is exactly "?"
 * (colour and font queries), DCS requests (DECRQSS "ESC P $ q", XTGETTCAP
 * "ESC P + q"), window and title reports (CSI 13/14/18/19/20/21 t). Kept:
 * everything else, among it titles (OSC 0/1/2), hyperlinks (OSC 8),
 * "CSI 6 n" and "CSI c".
 *
 * Sequences are recognised in their 7-bit forms and in the UTF-8 encoded C1
 * forms (U+009B CSI, U+009D OSC, U+0090 DCS, U+009C ST), which a terminal in
 * UTF-8 mode may honour. Raw 8-bit C1 bytes are passed: in UTF-8 they are
 * continuation bytes of ordinary text. An OSC ends at BEL or ST, a DCS at
 * ST; ESC, a C1 control, CAN or SUB inside a string or a header ends it the
 * way a terminal does. Nothing the filter passes can combine with what
 * follows a removed sequence: an ESC cancelled by the next ESC and a lone
 * UTF-8 lead byte are dropped, and a sequence cut short while undecided
 * goes with it.
 *
 * A sequence split across calls is held in the filter (at most
 * TERMFILTER_HOLD bytes). A held sequence that grows past that bound (a
 * CSI or DCS header, or an OSC other than 0/1/2/8/52, whose kind is known
 * only at its end) is removed whole, so the sandbox cannot make drop buffer
 * more, nor smuggle a query past the filter by padding it.
 */
#define TERMFILTER_HOLD 4096

struct termfilter {
	uint8_t state;
	uint8_t kind;                /* the string being passed or removed: OSC or DCS */
	uint8_t mode;                /* the current sequence: held, passed or removed */
	uint32_t num;                /* the number of the OSC or the first CSI parameter */
	uint8_t ndigits;             /* digits seen in num (bounded) */
	uint8_t field;               /* OSC: the current field is "?" so far (1), or not (0) */
	uint8_t query;               /* OSC: some field was exactly "?" */
	uint8_t inter;               /* CSI/DCS: the last intermediate byte, 0 if none */
	size_t hold_len;
	uint8_t hold[TERMFILTER_HOLD];
};

void termfilter_init(struct termfilter *f);

/* Room that termfilter_run needs in out for n bytes in (held bytes of earlier calls may be released). */
#define TERMFILTER_OUT(n) ((n) + TERMFILTER_HOLD + 2)

/*
 * Filters n bytes of in into out, which must have room for
 * TERMFILTER_OUT(n) bytes.
 * Returns the number of bytes written to out.
 */
size_t termfilter_run(struct termfilter *f, const uint8_t *in, size_t n, uint8_t *out);

#endif
