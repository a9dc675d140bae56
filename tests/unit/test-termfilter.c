/* test-termfilter.c: unit tests of the host-terminal filter: what is removed, what passes, at every split. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/parent-termfilter.h"
#include "../lib/tap.h"

/* Filter the input cut into pieces at the given positions (sorted, within the input). */
static size_t filter_split(const char *in, size_t n, const size_t *cuts, size_t ncuts, uint8_t *out)
{
	struct termfilter f;
	size_t prev = 0, len = 0;

	termfilter_init(&f);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		len += termfilter_run(&f, (const uint8_t *)in + prev, end - prev, out + len);
		prev = end;
	}
	return len;
}

static char *show(const uint8_t *b, size_t n)
{
	char *s = malloc(n * 4 + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(s + k, b[i] >= 0x20 && b[i] < 0x7f ? "%c" : "\\x%02x", b[i]);
	s[k] = '\0';
	return s;
}

/* in, filtered whole and split at every position (one cut, and every byte apart), gives want. */
static void check(const char *name, const char *in, size_t n, const char *want, size_t wn)
{
	uint8_t *out = malloc(TERMFILTER_OUT(n) * 2 + 16);
	size_t *cuts = malloc((n + 1) * sizeof(*cuts));
	bool good = true;
	size_t len;

	len = filter_split(in, n, NULL, 0, out);
	if (len != wn || memcmp(out, want, wn)) {
		char *g = show(out, len), *w = show((const uint8_t *)want, wn);
		tap_diag("%s whole: got '%s' want '%s'", name, g, w);
		free(g);
		free(w);
		good = false;
	}
	for (size_t c = 1; c < n && good; c++) {
		len = filter_split(in, n, &c, 1, out);
		if (len != wn || memcmp(out, want, wn)) {
			char *g = show(out, len);
			tap_diag("%s split at %zu: got '%s'", name, c, g);
			free(g);
			good = false;
		}
	}
	for (size_t c = 0; c + 1 < n; c++)
		cuts[c] = c + 1;
	if (good && n > 1) {
		len = filter_split(in, n, cuts, n - 1, out);
		if (len != wn || memcmp(out, want, wn)) {
			tap_diag("%s byte by byte differs", name);
			good = false;
		}
	}
	ok(good, "%s", name);
	free(out);
	free(cuts);
}

#define CHECK(name, in, want) check(name, in, sizeof(in) - 1, want, sizeof(want) - 1)

static void removed(void)
{
	CHECK("OSC 52 with BEL is removed", "a\033]52;c;aGVsbG8=\007b", "ab");
	CHECK("OSC 52 with ESC \\ is removed", "a\033]52;c;aGVsbG8=\033\\b", "ab");
	CHECK("OSC 52 query is removed", "a\033]52;c;?\007b", "ab");
	CHECK("OSC 052 (leading zero) is removed", "a\033]052;c;eA==\007b", "ab");
	CHECK("OSC 52 in UTF-8 C1 form with UTF-8 ST is removed", "a\xc2\x9d" "52;c;eA==\xc2\x9c" "b", "ab");
	CHECK("OSC 11;? (background colour query) is removed", "a\033]11;?\007b", "ab");
	CHECK("OSC 10;? with ST is removed", "a\033]10;?\033\\b", "ab");
	CHECK("OSC 4;1;? (palette query) is removed", "a\033]4;1;?\033\\b", "ab");
	CHECK("OSC 50;? (font query) is removed", "a\033]50;?\007b", "ab");
	CHECK("DECRQSS is removed", "a\033P$qm\033\\b", "ab");
	CHECK("XTGETTCAP is removed", "a\033P+q544e\033\\b", "ab");
	CHECK("DECRQSS in UTF-8 C1 form is removed", "a\xc2\x90$q\"p\xc2\x9c" "b", "ab");
	CHECK("CSI 13 t is removed", "a\033[13tb", "ab");
	CHECK("CSI 14 t is removed", "a\033[14tb", "ab");
	CHECK("CSI 14;2 t is removed", "a\033[14;2tb", "ab");
	CHECK("CSI 18 t is removed", "a\033[18tb", "ab");
	CHECK("CSI 19 t is removed", "a\033[19tb", "ab");
	CHECK("CSI 20 t is removed", "a\033[20tb", "ab");
	CHECK("CSI 21 t is removed", "a\033[21tb", "ab");
	CHECK("CSI 0021 t (leading zeros) is removed", "a\033[0021tb", "ab");
	CHECK("CSI 21 t in UTF-8 C1 form is removed", "a\xc2\x9b" "21tb", "ab");
	CHECK("an OSC 52 cut short by ESC is removed, the next sequence kept", "a\033]52;c;eA==\033[1mb", "a\033[1mb");
	CHECK("an OSC 52 cut short by CAN is removed", "a\033]52;c;eA==\030b", "ab");
	/* Found by fuzz-termfilter: a lone ESC or C1 lead byte before a removed sequence joined the text after it. */
	CHECK("a lone ESC does not join the text after a removed sequence", "\033\033]52;x\030]52;c;eA==\007",
	      "]52;c;eA==\007");
	CHECK("a lone C2 does not join the text after a removed sequence", "\xc2\033]52;x\007\xc2\x9d" "52;c;eA==\007",
	      "");
	CHECK("a title cut short by a removed sequence", "\033]2;t\033]52;x\007more", "\033]2;tmore");
	CHECK("OSC 52 in UTF-8 C1 form inside a title is removed", "\033]2;t\xc2\x9d" "52;c;eA==\007more", "\033]2;tmore");
	CHECK("an OSC cut short before its number is known goes", "\xc2\x9d\033\xc2" "52;c;eA==\007", "52;c;eA==\007");
	CHECK("an OSC 4 cut short by ESC goes", "\033]4;1\033[mx", "\033[mx");
	CHECK("OSC 52 in UTF-8 C1 form after ESC is removed", "\033\xc2\x9d" "52;c;eA==\007more", "more");
	CHECK("OSC 52 in UTF-8 C1 form inside a CSI is removed", "\033[1\xc2\x9d" "52;c;eA==\007more", "more");
}

static void kept(void)
{
	CHECK("plain text and UTF-8 pass", "h\xc3\xa9llo \xe2\x80\xba \xc4\x9b\r\n", "h\xc3\xa9llo \xe2\x80\xba \xc4\x9b\r\n");
	CHECK("a UTF-8 character with lead byte C2 passes", "\xc2\xa9 2026", "\xc2\xa9 2026");
	CHECK("title OSC 0 passes", "\033]0;my title\007", "\033]0;my title\007");
	CHECK("title OSC 2 with ST passes", "\033]2;t?\033\\", "\033]2;t?\033\\");
	CHECK("title OSC 2 that is ? passes", "\033]2;?\007", "\033]2;?\007");
	CHECK("hyperlink OSC 8 passes", "\033]8;;https://example.org/?q=1\033\\link\033]8;;\033\\",
	      "\033]8;;https://example.org/?q=1\033\\link\033]8;;\033\\");
	CHECK("OSC 11 setting a colour passes", "\033]11;#000000\007", "\033]11;#000000\007");
	CHECK("OSC 4 setting a colour passes", "\033]4;1;rgb:ff/00/00\033\\", "\033]4;1;rgb:ff/00/00\033\\");
	CHECK("CSI 6 n passes", "\033[6n", "\033[6n");
	CHECK("CSI c passes", "\033[c", "\033[c");
	CHECK("CSI > c passes", "\033[>c", "\033[>c");
	CHECK("CSI 8;24;80 t (resize) passes", "\033[8;24;80t", "\033[8;24;80t");
	CHECK("CSI 22;0 t (push title) passes", "\033[22;0t", "\033[22;0t");
	CHECK("colours and cursor moves pass", "\033[1;31mred\033[0m\033[H\033[2J", "\033[1;31mred\033[0m\033[H\033[2J");
	CHECK("a sixel DCS passes", "\033Pq#0;2;0;0;0#0~~\033\\", "\033Pq#0;2;0;0;0#0~~\033\\");
	CHECK("charset and keypad escapes pass", "\033(B\033=\033>\0337\0338", "\033(B\033=\033>\0337\0338");
	CHECK("C0 inside a CSI is executed in place", "\033[1\r2m", "\r\033[12m");
	CHECK("ESC ESC [ m: the cancelled first ESC goes, the rest passes", "\033\033[m", "\033[m");
}

/* An over-long OSC of undecided kind or CSI is removed whole; the text after it is kept. */
static void bounds(void)
{
	size_t n = TERMFILTER_HOLD * 3;
	char *in = malloc(n + 64);
	uint8_t *out = malloc(TERMFILTER_OUT(n + 64));
	struct termfilter f;
	size_t len, k;

	k = (size_t)sprintf(in, "a\033]4;1;");
	memset(in + k, 'x', n - k);
	memcpy(in + n, ";?\007b", 4);
	termfilter_init(&f);
	len = termfilter_run(&f, (uint8_t *)in, n + 4, out);
	ok(len == 2 && !memcmp(out, "ab", 2), "an over-long OSC 4 (a query at its end) is removed whole");

	k = (size_t)sprintf(in, "a\033[");
	memset(in + k, '0', n - k);
	memcpy(in + n, "14tb", 4);
	termfilter_init(&f);
	len = termfilter_run(&f, (uint8_t *)in, n + 4, out);
	ok(len == 2 && !memcmp(out, "ab", 2), "a CSI 14 t padded with zeros past the bound is removed whole");

	k = (size_t)sprintf(in, "a\033]2;");
	memset(in + k, 't', n - k);
	memcpy(in + n, "\007b", 2);
	termfilter_init(&f);
	len = termfilter_run(&f, (uint8_t *)in, n + 2, out);
	ok(len == n + 2 && !memcmp(out, in, n + 2), "a long title streams through whole (nothing held)");
	ok(f.hold_len == 0, "and nothing stays held after it");
	free(in);
	free(out);
}

int main(void)
{
	removed();
	kept();
	bounds();
	return tap_done();
}
