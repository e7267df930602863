/* Unit tests for sha256.c: FIPS 180-4 example vectors and block edges. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "testutil.h"

static void hex_of(const void *data, size_t len, char out[E2E_SHA256_HEX_LEN + 1])
{
	struct e2e_sha256 c;
	uint8_t d[E2E_SHA256_LEN];

	e2e_sha256_init(&c);
	e2e_sha256_update(&c, data, len);
	e2e_sha256_final(&c, d);
	e2e_sha256_hex(d, out);
}

START_TEST(test_fips_vectors)
{
	/* FIPS 180-4 / NIST CSRC examples (SHA256.pdf, SHA2_Additional.pdf). */
	static const struct {
		const char *msg;
		const char *want;
	} cases[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlm"
		  "nopqrsmnop"
		  "qrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[E2E_SHA256_HEX_LEN + 1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hex_of(cases[i].msg, strlen(cases[i].msg), hex);
		ck_assert_str_eq(hex, cases[i].want);
	}
}
END_TEST

START_TEST(test_million_a)
{
	/* One million 'a', fed in uneven pieces. */
	struct e2e_sha256 c;
	uint8_t d[E2E_SHA256_LEN];
	char hex[E2E_SHA256_HEX_LEN + 1];
	char *a = malloc(1000000);
	size_t off = 0, step = 1;

	memset(a, 'a', 1000000);
	e2e_sha256_init(&c);
	while (off < 1000000) {
		size_t n = step < 1000000 - off ? step : 1000000 - off;

		e2e_sha256_update(&c, a + off, n);
		off += n;
		step = step * 3 % 1000 + 1;
	}
	e2e_sha256_final(&c, d);
	e2e_sha256_hex(d, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}
END_TEST

START_TEST(test_padding_edges)
{
	/* Bytes 0, 1, 2, ... of lengths around the 56- and 64-byte padding
	 * boundaries (values from Python's hashlib), whole and split at every
	 * point. */
	static const struct {
		size_t len;
		const char *want;
	} cases[] = {
		{ 55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59" },
		{ 56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562" },
		{ 63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488" },
		{ 64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108" },
		{ 65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781" },
		{ 119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6" },
		{ 120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c" },
		{ 127, "92ca0fa6651ee2f97b884b7246a562fa71250fedefe5ebf270d31c546bfea976" },
		{ 128, "471fb943aa23c511f6f72f8d1652d9c880cfa392ad80503120547703e56a2be5" },
	};
	uint8_t bytes[128];
	char hex[E2E_SHA256_HEX_LEN + 1];

	for (int i = 0; i < 128; i++)
		bytes[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hex_of(bytes, cases[i].len, hex);
		ck_assert_msg(!strcmp(hex, cases[i].want), "len %zu", cases[i].len);
		for (size_t cut = 0; cut <= cases[i].len; cut++) {
			struct e2e_sha256 c;
			uint8_t d[E2E_SHA256_LEN];

			e2e_sha256_init(&c);
			e2e_sha256_update(&c, bytes, cut);
			e2e_sha256_update(&c, bytes + cut, cases[i].len - cut);
			e2e_sha256_final(&c, d);
			e2e_sha256_hex(d, hex);
			ck_assert_msg(!strcmp(hex, cases[i].want), "len %zu cut %zu", cases[i].len, cut);
		}
	}
}
END_TEST

static Suite *sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("vectors");

	tcase_add_test(tc, test_fips_vectors);
	tcase_add_test(tc, test_million_a);
	tcase_add_test(tc, test_padding_edges);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(sha256_suite)
