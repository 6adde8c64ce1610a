/* main.h - a unit test program's main(): run the cmocka tests listed, with the
 * group's setup and teardown (NULL for none). Include after cmocka.h. */
#ifndef POOL_TESTS_MAIN_H
#define POOL_TESTS_MAIN_H

#define UNIT_TEST_MAIN(setup, teardown, ...) \
	int main(void) \
	{ \
		const struct CMUnitTest tests[] = { __VA_ARGS__ }; \
		\
		return cmocka_run_group_tests(tests, setup, teardown); \
	}

#endif
