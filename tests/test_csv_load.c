/*
 * The CSV loader (src/io/csv_reader.c, dataset.c): RFC 4180 quoting, line ends, BOM, delimiter
 * detection, column mapping, missing values, and every input error with
 * its file:line message.
 */
#include "test_util.h"

#include <iconv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Loads text with `events` (NULL: defaults); returns the status and leaves
 * the message in err. */
static int try_load(const char *csv, size_t len, const char *events, msc_dataset **d, char *err)
{
    msc_load_options o;
    msc_load_options_default(&o);
    const char *ev[1] = {events};
    if (events) {
        o.events_cols = ev;
        o.n_events_cols = 1;
    }
    err[0] = '\0';
    return msc_dataset_load_buffer(csv, len, "studies.csv", &o, d, err, MSC_ERRBUF);
}

/* Loads text with the default columns and the encoding enc. */
static int load_enc(const char *csv, size_t len, msc_encoding enc, msc_dataset **d, char *err)
{
    msc_load_options o;
    msc_load_options_default(&o);
    o.encoding = enc;
    err[0] = '\0';
    return msc_dataset_load_buffer(csv, len, "e.csv", &o, d, err, MSC_ERRBUF);
}

static void expect_error(const char *csv, const char *events, const char *message)
{
    msc_dataset *d = (msc_dataset *)1;
    char err[MSC_ERRBUF];
    int rc = try_load(csv, strlen(csv), events, &d, err);
    if (rc != MSC_ERR_INPUT || d != NULL || strcmp(err, message) != 0) {
        print_error("input:\n%s\nwant: %s\ngot (%d): %s\n", csv, message, rc, err);
        fail();
    }
}

static void test_example_layout(void **state)
{
    (void)state;
    msc_dataset *d = load_file("../data/msc_autoimmune.csv", NULL, "disease");
    assert_int_equal(d->k, 13);
    assert_int_equal(d->n_outcomes, 3); /* responders, adverse_events, serious_adverse_events */
    assert_string_equal(d->outcome[0].name, "responders");
    assert_string_equal(d->outcome[1].name, "adverse_events");
    assert_string_equal(d->outcome[2].name, "serious_adverse_events");
    assert_string_equal(d->outcome[0].denom, "n");
    assert_string_equal(d->label[0], "Harris 2016");
    assert_int_equal(d->line[0], 2);
    assert_int_equal(d->line[12], 14);
    assert_true(isnan(d->outcome[0].events[2])); /* Harris 2024: responders NA */
    assert_close(d->outcome[0].events[0], 4, 0);
    assert_close(d->outcome[0].n[0], 6, 0);
    assert_string_equal(d->group[8], "SLE");
    msc_dataset_free(d);
}

/* Quoted fields with commas, doubled quotes and newlines; the record's line
 * is where it starts. CRLF line ends; a BOM; spaces around numbers. */
static void test_quoting_and_lines(void **state)
{
    (void)state;
    const char csv[] = "\xEF\xBB\xBF"
                       "study,n,events\r\n"
                       "\"Smith, J. \"\"the elder\"\"\", 12 ,  3\r\n"
                       "\"Multi\r\nline\r\nlabel\",10,1\r\n"
                       "\r\n"
                       "Last,5,5";
    msc_dataset *d = load_text(csv, "events", NULL);
    assert_int_equal(d->k, 3);
    assert_string_equal(d->label[0], "Smith, J. \"the elder\"");
    assert_close(d->outcome[0].n[0], 12, 0);
    assert_close(d->outcome[0].events[0], 3, 0);
    assert_int_equal(d->line[1], 3);
    assert_string_equal(d->label[1], "Multi\r\nline\r\nlabel");
    assert_int_equal(d->line[2], 7); /* after the 3-line record and a blank line */
    msc_dataset_free(d);
}

static void test_semicolons(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study;n;events\nA;10;2\n\"B;x\";8;1\n", "events", NULL);
    assert_int_equal(d->k, 2);
    assert_string_equal(d->label[1], "B;x");
    msc_dataset_free(d);
    /* a header with a comma keeps ',' even if it has semicolons too */
    d = load_text("study,n,events,note\nA,10,2,a;b\n", "events", NULL);
    assert_int_equal(d->k, 1);
    msc_dataset_free(d);
}

static void test_explicit_delimiter(void **state)
{
    (void)state;
    msc_load_options o;
    msc_load_options_default(&o);
    o.delimiter = '|';
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    const char csv[] = "study|n|events\nA,B|10|2\n";
    assert_int_equal(msc_dataset_load_buffer(csv, strlen(csv), "x.csv", &o, &d, err, sizeof err),
                     MSC_OK);
    assert_string_equal(d->label[0], "A,B");
    msc_dataset_free(d);
}

/* Lone CR line ends (old Mac exports) count lines too. */
static void test_cr_only(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\rA,10,2\rB,8,1\r", "events", NULL);
    assert_int_equal(d->k, 2);
    assert_int_equal(d->line[1], 3);
    msc_dataset_free(d);
    expect_error("study,n,events\rA,10,2\rB,8,9\r", "events",
                 "studies.csv:3: column \"events\": 9 events but only 8 patients in \"n\"");
}

/* Missing values: empty, NA, "." (events or n). A row of empty cells is skipped. */
static void test_missing_values(void **state)
{
    (void)state;
    msc_dataset *d = load_text(
        "study,n,events\nA,10,\nB,10,NA\nC,10,.\nD,NA,2\n,,\nE, 8 ,\" 3 \"\n", "events", NULL);
    assert_int_equal(d->k, 5);
    for (int i = 0; i < 3; i++)
        assert_true(isnan(d->outcome[0].events[i]));
    assert_true(isnan(d->outcome[0].n[3]));
    assert_close(d->outcome[0].events[4], 3, 0);
    assert_int_equal(d->line[4], 7);
    msc_dataset_free(d);
}

/* A per-outcome denominator n_<events column> replaces --n for that outcome. */
static void test_outcome_denominator(void **state)
{
    (void)state;
    msc_dataset *d =
        load_text("study,n,responders,n_responders,adverse_events\nA,10,3,8,1\n", NULL, NULL);
    assert_int_equal(d->n_outcomes, 2);
    assert_string_equal(d->outcome[0].denom, "n_responders");
    assert_close(d->outcome[0].n[0], 8, 0);
    assert_string_equal(d->outcome[1].denom, "n");
    assert_close(d->outcome[1].n[0], 10, 0);
    msc_dataset_free(d);
}

/* Numbers: whole numbers in several spellings are accepted. */
static void test_number_forms(void **state)
{
    (void)state;
    msc_dataset *d = load_text("study,n,events\nA,+12,-0\nB,12.0,1e1\nC,1E2,0\n", "events", NULL);
    assert_close(d->outcome[0].n[0], 12, 0);
    assert_close(d->outcome[0].events[0], 0, 0);
    assert_false(signbit(d->outcome[0].events[0]));
    assert_close(d->outcome[0].n[1], 12, 0);
    assert_close(d->outcome[0].events[1], 10, 0);
    assert_close(d->outcome[0].n[2], 100, 0);
    msc_dataset_free(d);
}

/* Invalid UTF-8 and NUL bytes in labels become U+FFFD, with a warning,
 * when the file is read as UTF-8 (--encoding utf-8: by default, since
 * 0xFF 0xFE read as Windows-1252, the file would be read so). */
static void test_invalid_utf8(void **state)
{
    (void)state;
    const char csv[] = "study,n,events\nA\xff\xfe"
                       "b,10,2\nC\0D,5,1\n";
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(load_enc(csv, sizeof csv - 1, MSC_ENCODING_UTF8, &d, err), MSC_OK);
    assert_string_equal(d->label[0], "A\xEF\xBF\xBD\xEF\xBF\xBD"
                                     "b");
    assert_string_equal(d->label[1], "C\xEF\xBF\xBD"
                                     "D");
    assert_int_equal(d->warnings.n, 1);
    msc_dataset_free(d);
}

/* Windows-1252 and Latin-1 (issue 14). Expected UTF-8 from the code
 * charts (unicode.org MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT and
 * ISO8859/8859-1.TXT): C1 -> U+00C1 (C3 81), ED -> U+00ED (C3 AD),
 * FC -> U+00FC (C3 BC), 93/94 -> U+201C/U+201D (E2 80 9C / E2 80 9D),
 * 80 -> U+20AC (E2 82 AC); in Latin-1, 80 -> U+0080 (C2 80). */
#define U_AACUTE "\xc3\x81"
#define U_IACUTE "\xc3\xad"
#define U_UUML "\xc3\xbc"
#define U_LDQUO "\xe2\x80\x9c"
#define U_RDQUO "\xe2\x80\x9d"
#define U_EURO "\xe2\x82\xac"
#define U_FFFD "\xef\xbf\xbd"

/* A Windows-1252 file, by default: every text cell converted, one warning
 * naming the encoding and the line of the first such cell. */
static void test_cp1252_detected(void **state)
{
    (void)state;
    static const char csv[] = "study,n,events,grp\n"
                              "Plain 2018,20,4,A\n"
                              "\xc1lvaro-Garc\xed"
                              "a 2019,40,12,\x93S\xfc"
                              "d\x94\n"
                              "M\xfcller 2020,50,20,A\n"
                              "Euro \x80 2021,30,9,A\n";
    msc_load_options o;
    msc_load_options_default(&o);
    o.subgroup_col = "grp";
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_dataset_load_buffer(csv, sizeof csv - 1, "w.csv", &o, &d, err, sizeof err),
                     MSC_OK);
    assert_string_equal(d->label[0], "Plain 2018");
    assert_string_equal(d->label[1], U_AACUTE "lvaro-Garc" U_IACUTE "a 2019");
    assert_string_equal(d->group[1], U_LDQUO "S" U_UUML "d" U_RDQUO);
    assert_string_equal(d->label[2], "M" U_UUML "ller 2020");
    assert_string_equal(d->label[3], "Euro " U_EURO " 2021");
    assert_int_equal(d->warnings.n, 1);
    assert_string_equal(d->warnings.msg[0], "w.csv:3: not UTF-8; read as Windows-1252 (cp1252): "
                                            "give --encoding utf-8 to read it as UTF-8 instead");
    msc_dataset_free(d);
}

/* A header name in Windows-1252 is converted before it is matched; the
 * en dash of Windows-1252 (0x96) is a missing cell, as the UTF-8 one is. */
static void test_cp1252_header_and_dash(void **state)
{
    (void)state;
    static const char csv[] = "study,n,events,regi\xf3n\n"
                              "A,20,4,Sur\n"
                              "B,\x96,3,Norte\n"
                              "C,30,\x96,\x96\n";
    msc_load_options o;
    msc_load_options_default(&o);
    o.subgroup_col = "regi\xc3\xb3n"; /* U+00F3 */
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_dataset_load_buffer(csv, sizeof csv - 1, "h.csv", &o, &d, err, sizeof err),
                     MSC_OK);
    assert_string_equal(d->group_col, "regi\xc3\xb3n");
    assert_true(isnan(d->outcome[0].n[1]));
    assert_true(isnan(d->outcome[0].events[2]));
    assert_null(d->group[2]);
    assert_int_equal(d->warnings.n, 1);
    assert_non_null(strstr(d->warnings.msg[0], "h.csv:1: not UTF-8; read as Windows-1252"));
    msc_dataset_free(d);
}

/* Mixed: UTF-8 labels before a Windows-1252 one stay as they are, and so
 * do valid UTF-8 labels after it; only the cells that are not UTF-8 are
 * converted (README, Input). */
static void test_cp1252_mixed(void **state)
{
    (void)state;
    static const char csv[] = "study,n,events\n"
                              "Zo\xc3\xab,20,4\n"
                              "Garc\xed"
                              "a,30,5\n"
                              "Nu\xc3\xb1"
                              "ez,40,6\n";
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(load_enc(csv, sizeof csv - 1, MSC_ENCODING_AUTO, &d, err), MSC_OK);
    assert_string_equal(d->label[0], "Zo\xc3\xab");
    assert_string_equal(d->label[1], "Garc" U_IACUTE "a");
    assert_string_equal(d->label[2], "Nu\xc3\xb1"
                                     "ez");
    assert_int_equal(d->warnings.n, 1);
    assert_non_null(strstr(d->warnings.msg[0], "e.csv:3: not UTF-8; read as Windows-1252"));
    msc_dataset_free(d);
}

/* A byte Windows-1252 leaves undefined (81 8D 8F 90 9D): the file does
 * not read as Windows-1252, so it stays UTF-8 with U+FFFD; forced
 * cp1252 maps the byte to U+FFFD with a warning and reads the rest. */
static void test_cp1252_undefined(void **state)
{
    (void)state;
    static const char csv[] = "study,n,events\n"
                              "Ma\x81k,20,4\n"
                              "Garc\xed"
                              "a,30,5\n";
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(load_enc(csv, sizeof csv - 1, MSC_ENCODING_AUTO, &d, err), MSC_OK);
    assert_string_equal(d->label[0], "Ma" U_FFFD "k");
    assert_string_equal(d->label[1], "Garc" U_FFFD "a");
    assert_int_equal(d->warnings.n, 1);
    assert_string_equal(d->warnings.msg[0], "e.csv:2: invalid UTF-8 (or NUL bytes) in a study "
                                            "label was replaced by U+FFFD; save the file as UTF-8");
    msc_dataset_free(d);

    assert_int_equal(load_enc(csv, sizeof csv - 1, MSC_ENCODING_CP1252, &d, err), MSC_OK);
    assert_string_equal(d->label[0], "Ma" U_FFFD "k");
    assert_string_equal(d->label[1], "Garc" U_IACUTE "a");
    assert_int_equal(d->warnings.n, 1);
    assert_string_equal(d->warnings.msg[0],
                        "e.csv:2: a byte Windows-1252 leaves undefined (or a NUL byte) in a study "
                        "label was replaced by U+FFFD; save the file as UTF-8");
    msc_dataset_free(d);
}

/* Forced encodings: latin1 maps 0x80 to the C1 control U+0080 (shown as
 * '?' by msc_text_display); cp1252 reads every byte as Windows-1252, even
 * bytes that would be valid UTF-8 (C3 A9 is "Ã©", U+00C3 U+00A9); utf-8
 * is the old behaviour. None warns when nothing is replaced. */
static void test_encoding_forced(void **state)
{
    (void)state;
    static const char csv[] = "study,n,events\n"
                              "Euro \x80,20,4\n"
                              "Caf\xc3\xa9"
                              ",30,5\n";
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(load_enc(csv, sizeof csv - 1, MSC_ENCODING_LATIN1, &d, err), MSC_OK);
    assert_string_equal(d->label[0], "Euro \xc2\x80");
    assert_string_equal(d->label[1], "Caf\xc3\x83\xc2\xa9");
    assert_int_equal(d->warnings.n, 0);
    msc_dataset_free(d);

    assert_int_equal(load_enc(csv, sizeof csv - 1, MSC_ENCODING_CP1252, &d, err), MSC_OK);
    assert_string_equal(d->label[0], "Euro " U_EURO);
    assert_string_equal(d->label[1], "Caf\xc3\x83\xc2\xa9");
    assert_int_equal(d->warnings.n, 0);
    msc_dataset_free(d);

    assert_int_equal(load_enc(csv, sizeof csv - 1, MSC_ENCODING_UTF8, &d, err), MSC_OK);
    assert_string_equal(d->label[0], "Euro " U_FFFD);
    assert_string_equal(d->label[1], "Caf\xc3\xa9");
    assert_int_equal(d->warnings.n, 1);
    assert_non_null(strstr(d->warnings.msg[0], "invalid UTF-8"));
    msc_dataset_free(d);

    d = (msc_dataset *)1;
    assert_int_equal(load_enc(csv, sizeof csv - 1, (msc_encoding)9, &d, err), MSC_ERR_USAGE);
    assert_null(d);
    assert_string_equal(err, "e.csv: unknown encoding 9 in msc_load_options");
}

/* Every byte 0x80-0xFF, forced cp1252 and latin1, against glibc's iconv
 * (an independent implementation of both code pages): a byte iconv
 * refuses (EILSEQ: the five Windows-1252 leaves undefined) must be U+FFFD. */
static void check_against_iconv(msc_encoding enc, const char *iconv_name)
{
    iconv_t cd = iconv_open("UTF-8", iconv_name);
    if (cd == (iconv_t)-1) {
        print_message("iconv has no %s: skipped\n", iconv_name);
        return;
    }
    char csv[128 * 16 + 32];
    size_t len = (size_t)snprintf(csv, sizeof csv, "study,n,events\n");
    for (int b = 0x80; b <= 0xFF; b++)
        len += (size_t)snprintf(csv + len, sizeof csv - len, "x%c,10,1\n", b);
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(load_enc(csv, len, enc, &d, err), MSC_OK);
    assert_int_equal(d->k, 128);
    for (int b = 0x80; b <= 0xFF; b++) {
        char in[1] = {(char)b}, want[16] = "x";
        char *ip = in, *op = want + 1;
        size_t il = 1, ol = sizeof want - 2;
        iconv(cd, NULL, NULL, NULL, NULL);
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
            strcpy(want + 1, U_FFFD);
        else
            *op = '\0';
        if (strcmp(d->label[b - 0x80], want) != 0) {
            print_error("%s byte 0x%02X: got %s, want %s\n", iconv_name, b, d->label[b - 0x80],
                        want);
            fail();
        }
    }
    msc_dataset_free(d);
    iconv_close(cd);
}

static void test_single_byte_vs_iconv(void **state)
{
    (void)state;
    check_against_iconv(MSC_ENCODING_CP1252, "WINDOWS-1252");
    check_against_iconv(MSC_ENCODING_LATIN1, "ISO-8859-1");
}

static void test_errors_counts(void **state)
{
    (void)state;
    const char *head = "study,n,events\nA,10,2\nB,10,2\nC,10,2\nD,10,2\nE,10,2\n";
    char csv[512];
    snprintf(csv, sizeof csv, "%sF,12.5,2\n", head);
    expect_error(csv, "events", "studies.csv:7: column \"n\": \"12.5\" is not a whole number");
    expect_error("study,n,events\nA,10,12\n", "events",
                 "studies.csv:2: column \"events\": 12 events but only 10 patients in \"n\"");
    expect_error("study,n,events\nA,10,-1\n", "events",
                 "studies.csv:2: column \"events\": \"-1\" is negative; counts must be 0 or more");
    expect_error("study,n,events\nA,0,0\n", "events",
                 "studies.csv:2: column \"n\": n is 0; every study needs at least 1 patient");
    expect_error("study,n,events\nA,ten,1\n", "events",
                 "studies.csv:2: column \"n\": \"ten\" is not a number");
    expect_error("study,n,events\nA,0x1A,1\n", "events",
                 "studies.csv:2: column \"n\": \"0x1A\" is not a number");
    expect_error("study,n,events\nA,inf,1\n", "events",
                 "studies.csv:2: column \"n\": \"inf\" is not a number");
    expect_error("study,n,events\nA,1e309,1\n", "events",
                 "studies.csv:2: column \"n\": \"1e309\" is out of range (counts go up to 1e15)");
    expect_error("study,n,events\nA,99999999999999999999,1\n", "events",
                 "studies.csv:2: column \"n\": \"99999999999999999999\" is out of range (counts "
                 "go up to 1e15)");
    expect_error("study,n,events\nA,\xd9\xa1\xd9\xa2,1\n", "events",
                 "studies.csv:2: column \"n\": \"\xd9\xa1\xd9\xa2\" is not a number");
}

/* Issue 14: every bad cell in one run, one line each (joined by '\n'), at
 * most 20, then "... and N more problems"; a structural error still stops. */
static void test_all_problems(void **state)
{
    (void)state;
    /* a bad n read by two outcomes is one problem, not two */
    expect_error("study,n,responders,adverse_events\nA,10,2,1\nB,twelve,2,1\nC,10,x,1\n"
                 "D,0,0,0\nE,10,11,12\n",
                 NULL,
                 "studies.csv:3: column \"n\": \"twelve\" is not a number\n"
                 "studies.csv:4: column \"responders\": \"x\" is not a number\n"
                 "studies.csv:5: column \"n\": n is 0; every study needs at least 1 patient\n"
                 "studies.csv:6: column \"responders\": 11 events but only 10 patients in \"n\"\n"
                 "studies.csv:6: column \"adverse_events\": 12 events but only 10 patients in "
                 "\"n\"");
    /* a structural error after bad cells ends the list and the reading */
    expect_error(
        "study,n,events\nA,-1,2\nB,10,2,9\nC,ten,1\n", "events",
        "studies.csv:2: column \"n\": \"-1\" is negative; counts must be 0 or more\n"
        "studies.csv:3: this row has 4 fields but the header has 3 (an unquoted comma in a "
        "label? quote the label)");

    /* 25 bad cells: 20 lines, then the count of the rest */
    char csv[1024], want[4096], line[128];
    size_t o = (size_t)snprintf(csv, sizeof csv, "study,n,events\n");
    want[0] = '\0';
    for (int i = 0; i < 25; i++) {
        o += (size_t)snprintf(csv + o, sizeof csv - o, "S%d,10,%d\n", i, 20 + i);
        if (i < 20) {
            snprintf(line, sizeof line,
                     "%sstudies.csv:%d: column \"events\": %d events but only 10 patients in \"n\"",
                     i ? "\n" : "", i + 2, 20 + i);
            strcat(want, line);
        }
    }
    strcat(want, "\n... and 5 more problems");
    msc_load_options opt;
    msc_load_options_default(&opt);
    msc_dataset *d = NULL;
    char err[MSC_LOAD_ERRBUF];
    assert_int_equal(
        msc_dataset_load_buffer(csv, strlen(csv), "studies.csv", &opt, &d, err, sizeof err),
        MSC_ERR_INPUT);
    assert_null(d);
    assert_string_equal(err, want);

    /* a small buffer: whole lines that fit, the rest counted */
    char small[200];
    assert_int_equal(
        msc_dataset_load_buffer(csv, strlen(csv), "studies.csv", &opt, &d, small, sizeof small),
        MSC_ERR_INPUT);
    assert_string_equal(small, "studies.csv:2: column \"events\": 20 events but only 10 patients "
                               "in \"n\"\nstudies.csv:3: column \"events\": 21 events but only 10 "
                               "patients in \"n\"\n... and 23 more problems");
}

static void test_errors_structure(void **state)
{
    (void)state;
    expect_error("study,events\nA,1\n", "events",
                 "studies.csv:1: no column \"n\" (name the column with --n); the header has: "
                 "study, events");
    expect_error("study,n,events\nA,1,1\n", "responders",
                 "studies.csv:1: no column \"responders\" (named by --events); the header has: "
                 "study, n, events");
    expect_error(
        "study,n,n,events\nA,1,1,1\n", "events",
        "studies.csv:1: duplicate column name \"n\" (columns 2 and 3); rename one of them");
    expect_error("study,n,events\nA,10,2,7\n", "events",
                 "studies.csv:2: this row has 4 fields but the header has 3 (an unquoted comma in "
                 "a label? quote the label)");
    expect_error("study,n,events\nA,10,2\nB,10\n", "events",
                 "studies.csv:3: this row has 2 fields but the header has 3");
    expect_error("study,n,events\nA,10,2\n\"B,10,2\nC,10,2\n", "events",
                 "studies.csv:3: a quoted field opened on this line is never closed (unterminated "
                 "quote)");
    expect_error("study,n,events\nA\"x,10,2\n", "events",
                 "studies.csv:2: malformed quoting: a quote inside an unquoted field, or text "
                 "after a closing quote (double a quote inside a quoted field: \"\")");
    expect_error("", "events",
                 "studies.csv: the file is empty; it needs a header row and one row per study");
    expect_error("study,n,events\n", "events",
                 "studies.csv: no data rows after the header; add one row per study");
    expect_error("study,n,x\nA,1,1\n", NULL,
                 "studies.csv:1: no events column: none of responders, adverse_events, "
                 "serious_adverse_events, events is in the header (name one with --events); the "
                 "header has: study, n, x");
}

/* Hostile text stays on one line in messages. */
static void test_error_value_escaped(void **state)
{
    (void)state;
    expect_error("study,n,events\nA,\"1\n2\",1\n", "events",
                 "studies.csv:2: column \"n\": \"1\\x0a2\" is not a number");
}

/* 100,000 columns are valid; the loader keeps only the ones it needs. */
static void test_wide_header(void **state)
{
    (void)state;
    size_t cols = 100000, cap = cols * 12 + 64, o = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    o += (size_t)snprintf(csv + o, cap - o, "study,n,events");
    for (size_t i = 3; i < cols; i++)
        o += (size_t)snprintf(csv + o, cap - o, ",c%zu", i);
    o += (size_t)snprintf(csv + o, cap - o, "\nA,10,3");
    for (size_t i = 3; i < cols; i++)
        csv[o++] = ',';
    csv[o++] = '\n';
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(try_load(csv, o, "events", &d, err), MSC_OK);
    assert_int_equal(d->k, 1);
    assert_close(d->outcome[0].events[0], 3, 0);
    msc_dataset_free(d);
    free(csv);
}

/* Kept columns (msc_load_options.keep_cols): moderators, an order or a
 * grouping column, as text per record, trimmed, NULL where missing; a
 * column named twice is kept once; one not in the header is an error that
 * says what named it. */
static void test_kept_columns(void **state)
{
    (void)state;
    static const char csv[] = "study,n,events,dose,route\n"
                              "A,10,3, 2.5 ,IV\n"
                              "B,20,4,NA,\n"
                              "C,30,5,7,IT\n";
    msc_load_options o;
    msc_load_options_default(&o);
    const char *keep[] = {"dose", "route", "dose"}, *why[] = {"--mod", "--mod", "--mod"};
    o.keep_cols = keep;
    o.keep_why = why;
    o.n_keep_cols = 3;
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    assert_int_equal(msc_dataset_load_buffer(csv, sizeof csv - 1, "m.csv", &o, &d, err, sizeof err),
                     MSC_OK);
    assert_int_equal(d->n_kept, 2);
    const msc_kept_column *dose = msc_dataset_kept(d, "dose"),
                          *route = msc_dataset_kept(d, "route");
    assert_non_null(dose);
    assert_non_null(route);
    assert_string_equal(dose->value[0], "2.5");
    assert_null(dose->value[1]);
    assert_string_equal(dose->value[2], "7");
    assert_string_equal(route->value[0], "IV");
    assert_null(route->value[1]);
    assert_null(msc_dataset_kept(d, "n"));
    msc_dataset_free(d);
    keep[1] = "year";
    o.n_keep_cols = 2;
    assert_int_equal(msc_dataset_load_buffer(csv, sizeof csv - 1, "m.csv", &o, &d, err, sizeof err),
                     MSC_ERR_INPUT);
    assert_string_equal(err, "m.csv:1: no column \"year\" (named by --mod); the header has: "
                             "study, n, events, dose, route");
}

/* Loads csv with default options and the thousands separator sep;
 * returns the status, the data set in *d and the message in err. */
static int load_thousands(const char *csv, char sep, msc_dataset **d, char *err)
{
    msc_load_options o;
    msc_load_options_default(&o);
    o.thousands = sep;
    return msc_dataset_load_buffer(csv, strlen(csv), "t.csv", &o, d, err, MSC_ERRBUF);
}

/* Thousands separators (issue 15): refused as ambiguous in ';' and tab
 * files without --thousands, read as such with it; other forms keep their
 * meaning. Expected values by hand. */
static void test_thousands(void **state)
{
    (void)state;
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    /* a decimal point that cannot be a thousands separator still is one */
    assert_int_equal(load_thousands("study;n;events\nA;12.0;1\nB;1234.000;2\n", 0, &d, err),
                     MSC_OK);
    assert_close(d->outcome[0].n[0], 12, 0);
    assert_close(d->outcome[0].n[1], 1234, 0);
    msc_dataset_free(d);
    /* ',' files write decimals with '.': 1.000 is 1 there */
    assert_int_equal(load_thousands("study,n,events\nA,1.000,1\n", 0, &d, err), MSC_OK);
    assert_close(d->outcome[0].n[0], 1, 0);
    msc_dataset_free(d);
    assert_int_equal(load_thousands("study\tn\tevents\nA\t10.000\t1\n", 0, &d, err),
                     MSC_ERR_INPUT);
    assert_non_null(strstr(err, "t.csv:2: column \"n\": \"10.000\" is ambiguous in a tab-"));
    assert_int_equal(load_thousands("study;n;events\nA;1.000.000;1\n", 0, &d, err),
                     MSC_ERR_INPUT);
    assert_non_null(strstr(err, "--thousands ."));
    /* with the separator given */
    assert_int_equal(
        load_thousands("study;n;events\nA;1.000.000;1\nB; 2.500 ;+1.000\n", '.', &d, err),
        MSC_OK);
    assert_close(d->outcome[0].n[0], 1000000, 0);
    assert_close(d->outcome[0].n[1], 2500, 0);
    assert_close(d->outcome[0].events[1], 1000, 0);
    msc_dataset_free(d);
    assert_int_equal(load_thousands("study,n,events\nA,\"1,000\",1\nB,1 000,2\n", ',', &d, err),
                     MSC_ERR_INPUT); /* a space is not the separator given */
    assert_non_null(strstr(err, "t.csv:3: column \"n\": \"1 000\" is not a number"));
    assert_int_equal(load_thousands("study,n,events\nA,1 000,1\nB,12 345 678,2\n", ' ', &d, err),
                     MSC_OK);
    assert_close(d->outcome[0].n[1], 12345678, 0);
    msc_dataset_free(d);
    /* a separator that does not group by three, or a decimal point that
     * is now the separator, is not a number */
    assert_int_equal(load_thousands("study;n;events\nA;10.00;1\n", '.', &d, err), MSC_ERR_INPUT);
    assert_non_null(strstr(err, "\"10.00\" is not a number"));
}

/* Issue 14: header names ignore case and surrounding spaces (an exact
 * match wins), the aliases of study and n, the missing-value tokens and
 * --na, the n_<outcome> fallback, and the reviewer's warnings. */
static void test_extraction_sheets(void **state)
{
    (void)state;
    msc_dataset *d = NULL;
    char err[MSC_ERRBUF];
    /* Study;N;Responders with NR, n/a, ., #N/A, -, en dash, N/A: one study left */
    static const char sheet[] = "Study;N;Responders\nA;10;NR\nB;12;n/a\nC;20;.\nD;9;#N/A\n"
                                "E;8;-\nF;7;\xe2\x80\x93\nG;6;N/A\nH;15;12\n";
    assert_int_equal(try_load(sheet, sizeof sheet - 1, NULL, &d, err), MSC_OK);
    assert_string_equal(d->outcome[0].name, "responders");
    for (size_t i = 0; i < 7; i++)
        assert_true(isnan(d->outcome[0].events[i]));
    assert_close(d->outcome[0].events[7], 12, 0);
    assert_close(d->outcome[0].n[7], 15, 0);
    assert_string_equal(d->label[7], "H");
    assert_int_equal(d->warnings.n, 0);
    msc_dataset_free(d);
    /* aliases: author and sample_size; an exact "responders" wins over "Responders" */
    static const char alias[] = "author,sample_size,Responders,responders\nA,10,3,4\n";
    assert_int_equal(try_load(alias, sizeof alias - 1, NULL, &d, err), MSC_OK);
    assert_string_equal(d->label[0], "A");
    assert_close(d->outcome[0].events[0], 4, 0);
    assert_close(d->outcome[0].n[0], 10, 0);
    msc_dataset_free(d);
    expect_error("study,n,EVENTS,Events\nA,10,3,3\n", NULL,
                 "studies.csv:1: column \"events\" is ambiguous: the header has \"EVENTS\" "
                 "(column 3) and \"Events\" (column 4); rename one of them");
    expect_error("Study,Patients,Responders\nA,10,3\n", NULL,
                 "studies.csv:1: no column \"n\" (name the column with --n); the header has: "
                 "Study, Patients, Responders; use --n Patients");
    expect_error("study,n,responders\nA,10,3\n", "respnders",
                 "studies.csv:1: no column \"respnders\" (named by --events); the header has: "
                 "study, n, responders; use --events responders");
    /* an empty n_<outcome> takes n, with one warning naming the lines */
    static const char fb[] = "study,n,events,n_events\nA,10,3,\nB,12,5,11\nC,9,2,\n";
    assert_int_equal(try_load(fb, sizeof fb - 1, NULL, &d, err), MSC_OK);
    assert_close(d->outcome[0].n[0], 10, 0);
    assert_close(d->outcome[0].n[1], 11, 0);
    assert_close(d->outcome[0].n[2], 9, 0);
    assert_int_equal(d->warnings.n, 1);
    assert_string_equal(d->warnings.msg[0], "events: 2 studies with a missing \"n_events\" cell "
                                            "took the \"n\" column as denominator (lines 2, 4)");
    msc_dataset_free(d);
    expect_error("study,n,events,n_events\nA,10,3,2\n", NULL,
                 "studies.csv:2: column \"events\": 3 events but only 2 patients in \"n_events\"");
    /* --na replaces the list: "-" is then not a number */
    msc_load_options o;
    msc_load_options_default(&o);
    o.na = "NR";
    static const char na[] = "study,n,events\nA,10,NR\nB,10,-\n";
    assert_int_equal(msc_dataset_load_buffer(na, sizeof na - 1, "s.csv", &o, &d, err, sizeof err),
                     MSC_ERR_INPUT);
    assert_string_equal(err, "s.csv:3: column \"events\": \"-\" is not a number");
    /* duplicate labels and case variants of a subgroup value */
    o.na = NULL;
    o.subgroup_col = "g";
    static const char dup[] = "study,n,events,g\nA,10,3,SLE\nB,10,3,sle\nA,10,3,MS\n";
    assert_int_equal(msc_dataset_load_buffer(dup, sizeof dup - 1, "s.csv", &o, &d, err, sizeof err),
                     MSC_OK);
    assert_int_equal(d->warnings.n, 2);
    assert_string_equal(d->warnings.msg[0], "s.csv: the study label \"A\" is used 2 times (lines 2, 4)");
    assert_string_equal(d->warnings.msg[1],
                        "s.csv: column \"g\": the values \"SLE\" and \"sle\" differ only in case; "
                        "they are kept apart (correct the spelling if they are one)");
    assert_string_equal(d->group[0], "SLE");
    assert_string_equal(d->group[1], "sle");
    msc_dataset_free(d);
}

int main(void)
{
    msc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_layout),
        cmocka_unit_test(test_quoting_and_lines),
        cmocka_unit_test(test_semicolons),
        cmocka_unit_test(test_explicit_delimiter),
        cmocka_unit_test(test_cr_only),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test(test_outcome_denominator),
        cmocka_unit_test(test_number_forms),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_cp1252_detected),
        cmocka_unit_test(test_cp1252_header_and_dash),
        cmocka_unit_test(test_cp1252_mixed),
        cmocka_unit_test(test_cp1252_undefined),
        cmocka_unit_test(test_encoding_forced),
        cmocka_unit_test(test_single_byte_vs_iconv),
        cmocka_unit_test(test_errors_counts),
        cmocka_unit_test(test_all_problems),
        cmocka_unit_test(test_errors_structure),
        cmocka_unit_test(test_error_value_escaped),
        cmocka_unit_test(test_wide_header),
        cmocka_unit_test(test_kept_columns),
        cmocka_unit_test(test_thousands),
        cmocka_unit_test(test_extraction_sheets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
