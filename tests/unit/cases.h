/* cases.h - cmocka checks for a loop over a table of cases: a failing one first names its case. */
#ifndef POOL_TESTS_CASES_H
#define POOL_TESTS_CASES_H

#include <stdint.h>
#include <string.h>

#define case_true(name, x) do { \
	int case_ok_ = !!(x); \
	if (!case_ok_) \
		print_error("%s: %s is false\n", (name), #x); \
	assert_true(case_ok_); \
} while (0)

#define case_int_equal(name, a, b) do { \
	uintmax_t case_a_ = (uintmax_t)(a), case_b_ = (uintmax_t)(b); \
	if (case_a_ != case_b_) \
		print_error("%s: %s != %s\n", (name), #a, #b); \
	assert_int_equal(case_a_, case_b_); \
} while (0)

#define case_string_equal(name, a, b) do { \
	const char *case_a_ = (a), *case_b_ = (b); \
	if (strcmp(case_a_, case_b_) != 0) \
		print_error("%s: %s != %s\n", (name), #a, #b); \
	assert_string_equal(case_a_, case_b_); \
} while (0)

#endif
