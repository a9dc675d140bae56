/* fuzz-termfilter.c: libFuzzer target for the host-terminal filter: the same output however the input is cut, no OSC 52 out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parent-termfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Filter data cut every `step` bytes (0: whole). */
static size_t run_cut(const uint8_t *data, size_t size, size_t step, uint8_t *out)
{
	struct termfilter f;
	size_t len = 0;

	termfilter_init(&f);
	if (!step)
		return termfilter_run(&f, data, size, out);
	for (size_t i = 0; i < size; i += step)
		len += termfilter_run(&f, data + i, size - i < step ? size - i : step, out + len);
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64 };
	uint8_t *whole = malloc(TERMFILTER_OUT(size));
	uint8_t *cut = malloc(TERMFILTER_OUT(size) * 2);
	size_t n = run_cut(data, size, 0, whole);

	if (!whole || !cut)
		abort();
	if (n > size || memmem(whole, n, "\033]52;", 5) || memmem(whole, n, "\xc2\x9d" "52;", 5) ||
	    memmem(whole, n, "\033P$q", 4))
		abort();
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (run_cut(data, size, steps[i], cut) != n || memcmp(cut, whole, n))
			abort();
	free(whole);
	free(cut);
	return 0;
}
