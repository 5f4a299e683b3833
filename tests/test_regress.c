/*
 * Replays every input in tests/regress/ through the fuzz harness it was
 * found with (the file name's prefix: load-*, pipeline-*, quote-*), calling
 * the same functions libFuzzer calls (fuzz/harness_*.c), so a crash or a
 * property failure found once stays fixed in every build, fuzzer or not.
 * A failing property aborts the program, which ctest reports. The hostile
 * corpus (the CSV files in tests/hostile/) goes through the same harnesses.
 */
#include "test_util.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "fuzz_harness.h"

typedef int (*harness_fn)(const uint8_t *, size_t);

static const struct {
    const char *prefix;
    harness_fn fn;
} HARNESSES[] = {
    {"load-", msc_fuzz_load},
    {"pipeline-", msc_fuzz_pipeline},
    {"quote-", msc_fuzz_quote},
};
#define N_HARNESSES (sizeof HARNESSES / sizeof HARNESSES[0])

static void test_replay(void **state)
{
    (void)state;
    DIR *dir = opendir("regress");
    assert_non_null(dir);
    size_t replayed = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "regress/%s", e->d_name);
        size_t i;
        for (i = 0; i < N_HARNESSES; i++)
            if (strncmp(e->d_name, HARNESSES[i].prefix, strlen(HARNESSES[i].prefix)) == 0)
                break;
        if (i == N_HARNESSES) {
            print_message("skipped %s (no harness of that name in this build)\n", path);
            continue;
        }
        size_t len = 0;
        uint8_t *data = (uint8_t *)read_file(path, &len);
        print_message("replaying %s (%zu bytes)\n", path, len);
        HARNESSES[i].fn(data, len);
        free(data);
        replayed++;
    }
    closedir(dir);
    assert_true(replayed > 0);
}

/* Option prefixes for the hostile corpus: every measure, several tau^2
 * methods and the GLMM, both tests, each interval type, a low and a high
 * level, corrections from none to 1e6, summary-only, subgroups by "group",
 * a safety limit (see fuzz/harness_pipeline.c for the bytes). */
static const uint8_t PIPELINE_PREFIXES[][MSC_FUZZ_PIPELINE_PREFIX] = {
    {2, 6, 0, 0, 0, 0, 6, 0},    {4, 1, 1, 0, 0, 0, 0, 0},       {0, 0, 0, 0, 0, 0, 0, 0},
    {1, 8, 0x0a, 2, 3, 2, 0, 0}, {3, 5, 0xc0, 0, 0, 0, 0, 0xe0}, {2, 9, 0, 0, 0, 0, 6, 0},
    {2, 7, 0x12, 4, 1, 3, 0, 0}, {4, 3, 0x19, 5, 5, 1, 0, 0},    {2, 4, 0x21, 6, 2, 0x28, 0, 0},
    {0, 2, 0x01, 1, 7, 4, 0, 0}, {2, 9, 0x80, 0, 0, 0x28, 2, 0xe0},
};

/* The hostile CSV files (tests/hostile/) through the loader harness (default
 * columns, and --events events) and the pipeline harness with each prefix:
 * every property the fuzzers check holds on the corpus too, among them "no
 * number is missing from the JSON without a warning". */
static void test_hostile_corpus(void **state)
{
    (void)state;
    DIR *dir = opendir("hostile");
    assert_non_null(dir);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (nl < 4 || strcmp(e->d_name + nl - 4, ".csv") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "hostile/%s", e->d_name);
        size_t len = 0;
        uint8_t *data = (uint8_t *)read_file(path, &len);
        uint8_t *buf = malloc(len + MSC_FUZZ_PIPELINE_PREFIX);
        assert_non_null(buf);
        memcpy(buf + MSC_FUZZ_PIPELINE_PREFIX, data, len);
        static const uint8_t load_prefixes[][MSC_FUZZ_LOAD_PREFIX] = {{0, 0, 0, 0}, {0, 1, 0, 0}};
        for (size_t i = 0; i < 2; i++) {
            uint8_t *b = buf + MSC_FUZZ_PIPELINE_PREFIX - MSC_FUZZ_LOAD_PREFIX;
            memcpy(b, load_prefixes[i], MSC_FUZZ_LOAD_PREFIX);
            msc_fuzz_load(b, len + MSC_FUZZ_LOAD_PREFIX);
        }
        for (size_t i = 0; i < sizeof PIPELINE_PREFIXES / sizeof PIPELINE_PREFIXES[0]; i++) {
            memcpy(buf, PIPELINE_PREFIXES[i], MSC_FUZZ_PIPELINE_PREFIX);
            msc_fuzz_pipeline(buf, len + MSC_FUZZ_PIPELINE_PREFIX);
        }
        free(buf);
        free(data);
        files++;
    }
    closedir(dir);
    print_message("%zu hostile files through the loader and pipeline harnesses\n", files);
    assert_true(files >= 40);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_replay),
                                       cmocka_unit_test(test_hostile_corpus)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
