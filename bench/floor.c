/*
 * bench/floor: the floors a CSV loader is measured against. Both read the
 * file in 1 MiB blocks.
 *
 *   floor csv FILE   libcsv over the whole file with empty callbacks: the
 *                    cost of the CSV grammar alone;
 *   floor sum FILE   a bare C pass that sums the 2nd and 3rd columns of a
 *                    bench/gen file (study,n,events; plain digits, no
 *                    quotes): the cost of touching every byte once.
 *
 * Each prints one line (fields and records, or the two sums) so that the
 * work cannot be optimised away.
 */
#include <csv.h>
#include <stdio.h>
#include <string.h>

enum { BLOCK = 1 << 20 };
static char buf[BLOCK];

static void on_field(void *s, size_t len, void *data)
{
    (void)s, (void)len;
    ++*(unsigned long *)data;
}

static void on_record(int c, void *data) { (void)c, (void)data; }

static int floor_csv(FILE *f)
{
    struct csv_parser p;
    unsigned long fields = 0;
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        return 1;
    size_t got;
    while ((got = fread(buf, 1, BLOCK, f)) > 0)
        if (csv_parse(&p, buf, got, on_field, on_record, &fields) != got)
            return 1;
    csv_fini(&p, on_field, on_record, &fields);
    csv_free(&p);
    printf("%lu fields\n", fields);
    return 0;
}

static int floor_sum(FILE *f)
{
    unsigned long long sum[3] = {0, 0, 0}, cur = 0;
    int col = 0, header = 1;
    size_t got;
    while ((got = fread(buf, 1, BLOCK, f)) > 0)
        for (size_t i = 0; i < got; i++) {
            char c = buf[i];
            if (c >= '0' && c <= '9')
                cur = cur * 10 + (unsigned long long)(c - '0');
            else if (c == ',' || c == '\n') {
                if (!header && col < 3)
                    sum[col] += cur;
                cur = 0;
                col = c == ',' ? col + 1 : 0;
                header &= c != '\n';
            }
        }
    printf("%llu %llu\n", sum[1], sum[2]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "csv") != 0 && strcmp(argv[1], "sum") != 0)) {
        fprintf(stderr, "usage: floor csv|sum FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    int rc = argv[1][0] == 'c' ? floor_csv(f) : floor_sum(f);
    return fclose(f) != 0 || rc;
}
