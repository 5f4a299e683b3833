/*
 * A report page (mscmeta report): the pieces the command line composes
 * into one self-contained HTML file, or a Markdown file with its pictures
 * beside it. The HTML has no script and fetches nothing: a
 * Content-Security-Policy forbids both, the style is inline, the fonts
 * are the system's, the pictures inline SVG. Every string the caller or
 * the data gives goes through msc_rep_html_text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msc_rep.h"

typedef struct {
    msc_rep_out o;
    int md;
    char buf[4096];
} page;

static int page_open(page *p, msc_format f, msc_write_fn fn, void *ctx)
{
    if (!fn || (f != MSC_FORMAT_HTML && f != MSC_FORMAT_MD))
        return 0;
    p->o = (msc_rep_out){fn, ctx, p->buf, 0, sizeof p->buf, MSC_OK};
    p->md = f == MSC_FORMAT_MD;
    return 1;
}

static void put(page *p, const char *s) { msc_rep_puts(&p->o, s); }
static void esc(page *p, const char *s) { msc_rep_html_text(&p->o, s, strlen(s), p->md); }

/* HTML text or Markdown, chosen by the page's format. */
static void put2(page *p, const char *html, const char *md) { put(p, p->md ? md : html); }

static msc_status page_close(page *p) { return msc_rep_flush(&p->o); }

/* The style: the system's sans-serif fonts, tables with rules, and A4
 * pages when printed (no rows split, headings kept with what follows). */
static const char STYLE[] =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Liberation Sans\","
    "Helvetica,Arial,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#111;"
    "line-height:1.4}\n"
    "table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}\n"
    "th,td{border-bottom:1px solid #ccc;padding:.15em .6em;text-align:left;vertical-align:top}\n"
    "th{border-bottom:2px solid #555}\n"
    ".r{text-align:right;font-variant-numeric:tabular-nums}\n"
    "h3{margin-top:1.5em;border-top:1px solid #999;padding-top:.5em}\n"
    "figure{margin:1em 0}figure svg{max-width:100%;height:auto}\n"
    "figcaption{font-size:.9em;color:#444}\n"
    ".report p{margin:.2em 0}\n"
    "pre,code{font-family:ui-monospace,\"DejaVu Sans Mono\",\"Liberation Mono\",monospace;"
    "white-space:pre-wrap;word-break:break-all}\n"
    "dl.repro dt{font-weight:bold}dl.repro dd{margin:0 0 .4em 1em}\n"
    "@page{size:A4;margin:15mm}\n"
    "@media print{body{max-width:none;margin:0;font-size:10pt}h2{break-before:page}"
    "h2:first-of-type{break-before:auto}h2,h3{break-after:avoid}tr,figure{break-inside:avoid}"
    "thead{display:table-header-group}}\n";

msc_status msc_page_begin(msc_format f, const char *title, msc_write_fn fn, void *ctx)
{
    page p;
    if (!page_open(&p, f, fn, ctx) || !title)
        return MSC_ERR_USAGE;
    if (p.md) {
        put(&p, "# ");
        esc(&p, title);
        put(&p, "\n\n");
        return page_close(&p);
    }
    put(&p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "img-src data:; style-src 'unsafe-inline'\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"mscmeta " MSC_VERSION "\">\n<title>");
    esc(&p, title);
    put(&p, "</title>\n<style>\n");
    put(&p, STYLE);
    put(&p, "</style>\n</head>\n<body>\n<h1>");
    esc(&p, title);
    put(&p, "</h1>\n");
    return page_close(&p);
}

msc_status msc_page_heading(msc_format f, int level, const char *text, msc_write_fn fn, void *ctx)
{
    page p;
    char tag[8];
    if (!page_open(&p, f, fn, ctx) || !text || level < 2 || level > 4)
        return MSC_ERR_USAGE;
    if (p.md) {
        put(&p, level == 2 ? "\n## " : level == 3 ? "\n### " : "\n#### ");
        esc(&p, text);
        put(&p, "\n\n");
    } else {
        snprintf(tag, sizeof tag, "h%d>", level);
        put(&p, "<");
        put(&p, tag);
        esc(&p, text);
        put(&p, "</");
        put(&p, tag);
        put(&p, "\n");
    }
    return page_close(&p);
}

msc_status msc_page_note(msc_format f, const char *text, msc_write_fn fn, void *ctx)
{
    page p;
    if (!page_open(&p, f, fn, ctx) || !text)
        return MSC_ERR_USAGE;
    put2(&p, "<p>", "");
    esc(&p, text);
    put2(&p, "</p>\n", "\n\n");
    return page_close(&p);
}

/* The elements gnuplot's SVG terminal writes (and a few of their kin): a
 * picture with any other element (script, image, foreignObject, an HTML
 * element that would leave the SVG) is refused. */
static int svg_element(const char *name, size_t n)
{
    static const char *const ok[] = {"svg",
                                     "g",
                                     "path",
                                     "polygon",
                                     "polyline",
                                     "rect",
                                     "circle",
                                     "ellipse",
                                     "line",
                                     "text",
                                     "tspan",
                                     "title",
                                     "desc",
                                     "defs",
                                     "use",
                                     "symbol",
                                     "clipPath",
                                     "filter",
                                     "feFlood",
                                     "feComposite",
                                     "linearGradient",
                                     "radialGradient",
                                     "stop",
                                     "marker",
                                     "pattern",
                                     "mask"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (strlen(ok[i]) == n && strncmp(ok[i], name, n) == 0)
            return 1;
    return 0;
}

/* Whether the SVG s[0..n) from its <svg> on can go into a page as it is:
 * known elements only; no event handler (on...=); every href local
 * ("#id"); no processing instruction, DOCTYPE, entity or CDATA after the
 * start. Text is gnuplot's, which writes & and < in labels as entities;
 * a stray '<' that starts no element is refused. */
static int svg_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '<')
            continue;
        size_t j = i + 1;
        if (j < n && s[j] == '/')
            j++;
        size_t name = j;
        while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
            j++;
        if (j == name || !svg_element(s + name, j - name))
            return 0;
        /* the attributes, up to the tag's end */
        char q = 0;
        for (; j < n && (q || s[j] != '>'); j++) {
            if (q) {
                q = s[j] == q ? 0 : q;
                continue;
            }
            if (s[j] == '"' || s[j] == '\'') {
                q = s[j];
                continue;
            }
            if (s[j] == '<')
                return 0;
            int start = s[j - 1] == ' ' || s[j - 1] == '\t' || s[j - 1] == '\n' || s[j - 1] == '\r';
            if (start && j + 2 < n && strncasecmp(s + j, "on", 2) == 0)
                return 0; /* an event handler */
            if (j + 6 < n && strncasecmp(s + j, "href=", 5) == 0 && s[j + 6] != '#')
                return 0; /* a link out of the picture */
        }
        if (j == n)
            return 0;
        i = j;
    }
    return 1;
}

msc_status msc_page_svg(msc_format f, const char *svg, size_t len, const char *caption,
                        const char *file, msc_write_fn fn, void *ctx)
{
    page p;
    if (!page_open(&p, f, fn, ctx) || !caption || (f == MSC_FORMAT_MD && !file) ||
        (f == MSC_FORMAT_HTML && !svg))
        return MSC_ERR_USAGE;
    if (p.md) {
        put(&p, "![");
        esc(&p, caption);
        put(&p, "](");
        /* a relative path: HTML's characters escaped, Markdown's not (a
         * link destination takes them as they are) */
        msc_rep_html_text(&p.o, file, strlen(file), 0);
        put(&p, ")\n\n");
        return page_close(&p);
    }
    /* the <svg> element alone (no XML declaration or DOCTYPE inside HTML) */
    const char *start = NULL;
    for (size_t i = 0; i + 4 <= len && !start; i++)
        if (!strncmp(svg + i, "<svg", 4))
            start = svg + i;
    if (!start)
        return MSC_ERR_INPUT;
    size_t n = len - (size_t)(start - svg);
    if (!svg_safe(start, n))
        return MSC_ERR_INPUT;
    put(&p, "<figure>\n");
    /* bidirectional controls in labels shown, not obeyed, as in the tables */
    const char *run = start, *end = start + n;
    for (const char *q = start; q + 2 < end; q++) {
        const unsigned char *u = (const unsigned char *)q;
        if (u[0] == 0xE2 && (u[1] == 0x80 || u[1] == 0x81)) {
            unsigned cp = 0x2000u | ((unsigned)(u[1] & 0x3F) << 6) | (u[2] & 0x3Fu);
            if (cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
                (cp >= 0x2066 && cp <= 0x2069)) {
                msc_rep_put(&p.o, run, (size_t)(q - run));
                msc_rep_html_text(&p.o, q, 3, 0);
                run = q + 3;
                q += 2;
            }
        }
    }
    msc_rep_put(&p.o, run, (size_t)(end - run));
    put(&p, "\n<figcaption>");
    esc(&p, caption);
    put(&p, "</figcaption>\n</figure>\n");
    return page_close(&p);
}

/* ------------------------------------------------------------ Methods */

/* The reference of each model (README, References). */
static const char *method_ref(msc_method m)
{
    switch (m) {
    case MSC_METHOD_DL:
        return "DerSimonian and Laird 1986";
    case MSC_METHOD_HE:
        return "Hedges 1983";
    case MSC_METHOD_HS:
        return "Hunter and Schmidt 2004";
    case MSC_METHOD_SJ:
        return "Sidik and Jonkman 2005";
    case MSC_METHOD_ML:
    case MSC_METHOD_REML:
        return "Viechtbauer 2005";
    case MSC_METHOD_EB:
        return "Morris 1983";
    case MSC_METHOD_PM:
        return "Paule and Mandel 1982";
    case MSC_METHOD_GLMM:
        return "Stijnen, Hamza and Ozdemir 2010; Pinheiro and Bates 1995";
    case MSC_METHOD_BB:
        return "Mathes and Kuss 2018";
    default:
        return NULL;
    }
}

static const char *measure_ref(msc_measure m)
{
    switch (m) {
    case MSC_PFT:
        return "Freeman and Tukey 1950; Miller 1978";
    default:
        return NULL;
    }
}

static const char *study_ci_ref(msc_study_ci c)
{
    switch (c) {
    case MSC_SCI_CP:
        return "Clopper and Pearson 1934";
    case MSC_SCI_AC:
        return "Agresti and Coull 1998";
    default:
        return NULL;
    }
}

/* Appends a sentence to the paragraph. */
static void say(page *p, const char *fmt, ...) MSC_PRINTF(2, 3);
static void say(page *p, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    esc(p, buf);
    put(p, " ");
}

static const char REFERENCES[] =
    "Agresti A, Coull BA (1998) Am Stat 52:119-126.\n"
    "Baujat B, Mahe C, Pignon JP, Hill C (2002) Stat Med 21:2641-2652.\n"
    "Begg CB, Mazumdar M (1994) Biometrics 50:1088-1101.\n"
    "Clopper CJ, Pearson ES (1934) Biometrika 26:404-413.\n"
    "DerSimonian R, Laird N (1986) Control Clin Trials 7:177-188.\n"
    "Duval S, Tweedie R (2000) Biometrics 56:455-463.\n"
    "Egger M, Davey Smith G, Schneider M, Minder C (1997) BMJ 315:629-634.\n"
    "Freeman GH, Halton JH (1951) Biometrika 38:141-149.\n"
    "Freeman MF, Tukey JW (1950) Ann Math Stat 21:607-611.\n"
    "Hartung J, Knapp G (2001) Stat Med 20:3875-3889.\n"
    "Hedges LV (1983) Psychol Bull 93:388-395.\n"
    "Higgins JPT, Thompson SG (2002) Stat Med 21:1539-1558.\n"
    "Higgins JPT, Thompson SG, Spiegelhalter DJ (2009) J R Stat Soc A 172:137-159.\n"
    "Hunter JE, Schmidt FL (2004) Methods of Meta-Analysis, 2nd ed.\n"
    "Knapp G, Hartung J (2003) Stat Med 22:2693-2710.\n"
    "Mathes T, Kuss O (2018) Res Synth Methods 9:366-381.\n"
    "Miller JJ (1978) Am Stat 32:138.\n"
    "Morris CN (1983) J Am Stat Assoc 78:47-55.\n"
    "Paule RC, Mandel J (1982) J Res Natl Bur Stand 87:377-385.\n"
    "Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2006) JAMA 295:676-680.\n"
    "Pinheiro JC, Bates DM (1995) J Comput Graph Stat 4:12-35.\n"
    "Raudenbush SW (2009) in The Handbook of Research Synthesis and Meta-Analysis, 2nd ed., "
    "295-315.\n"
    "Schwarzer G, Chemaitelly H, Abu-Raddad LJ, Rucker G (2019) Res Synth Methods 10:476-483.\n"
    "Sidik K, Jonkman JN (2005) J Biopharm Stat 15:823-838.\n"
    "Stijnen T, Hamza TH, Ozdemir P (2010) Stat Med 29:3046-3067.\n"
    "Turner RM, Omar RZ, Yang M, Goldstein H, Thompson SG (2000) Stat Med 19:3417-3432.\n"
    "Viechtbauer W (2005) J Educ Behav Stat 30:261-293.\n"
    "Viechtbauer W (2007) Stat Med 26:37-52.\n"
    "Viechtbauer W (2010) J Stat Softw 36(3).\n"
    "Viechtbauer W, Cheung MWL (2010) Res Synth Methods 1:112-125.\n";

msc_status msc_page_methods(msc_format f, const msc_analysis *a, unsigned parts, msc_write_fn fn,
                            void *ctx)
{
    page p;
    if (!page_open(&p, f, fn, ctx) || !a)
        return MSC_ERR_USAGE;
    const msc_settings *s = &a->settings;
    char level[32];
    msc_level_text(level, sizeof level, s->level);
    int glmm = s->method == MSC_METHOD_GLMM;
    put2(&p, "<p>", "");
    say(&p,
        "Proportions were pooled with mscmeta %s, whose estimates follow R's metafor "
        "(Viechtbauer 2010).",
        MSC_VERSION);
    if (glmm)
        say(&p,
            "Each outcome was pooled with a binomial-normal generalized linear mixed model "
            "on the logit scale, fitted by maximum likelihood with %d-point adaptive "
            "Gauss-Hermite quadrature (%s), which models the event counts, so that studies "
            "with zero events need no continuity correction.",
            s->nagq, method_ref(s->method));
    else if (s->method == MSC_METHOD_FE)
        say(&p,
            "Each outcome was pooled with a common-effect (inverse-variance) model on the "
            "%s scale%s%s%s.",
            msc_measure_scale_name(s->measure), measure_ref(s->measure) ? " (" : "",
            measure_ref(s->measure) ? measure_ref(s->measure) : "",
            measure_ref(s->measure) ? ")" : "");
    else if (s->method == MSC_METHOD_BB)
        say(&p,
            "Each outcome was pooled with a beta-binomial model with a common "
            "intra-study correlation (%s).",
            method_ref(s->method));
    else
        say(&p,
            "Each outcome was pooled with an inverse-variance random-effects model on the "
            "%s scale%s%s%s, the between-study variance tau^2 estimated by %s (%s).",
            msc_measure_scale_name(s->measure), measure_ref(s->measure) ? " (" : "",
            measure_ref(s->measure) ? measure_ref(s->measure) : "",
            measure_ref(s->measure) ? ")" : "", msc_method_long_name(s->method),
            method_ref(s->method) ? method_ref(s->method) : "Viechtbauer 2005");
    say(&p, "Confidence intervals are at the %s%% level, with %s.", level,
        s->test == MSC_TEST_KNHA ? "the Hartung-Knapp adjustment (Hartung and Knapp 2001)"
                                 : "Wald z tests");
    say(&p, "Each study's proportion has a %s interval%s%s%s.", msc_study_ci_long_name(s->study_ci),
        study_ci_ref(s->study_ci) ? " (" : "",
        study_ci_ref(s->study_ci) ? study_ci_ref(s->study_ci) : "",
        study_ci_ref(s->study_ci) ? ")" : "");
    if (s->method != MSC_METHOD_FE)
        say(&p,
            "Heterogeneity is reported as tau^2, I^2 and H^2 (Higgins and Thompson 2002) "
            "with %s confidence intervals and Cochran's Q; the prediction interval follows "
            "Higgins, Thompson and Spiegelhalter (2009).",
            glmm ? "profile-likelihood" : "Q-profile (Viechtbauer 2007)");
    say(&p, "The exact pooled proportion (all events over all patients, with its "
            "Clopper-Pearson interval) is shown beside the model's estimate.");
    if (a->data->group_col) {
        /* name only the tests the outcomes used (subgroups.c picks one per outcome) */
        int used[MSC_SGTEST_FISHER + 1] = {0};
        for (size_t i = 0; i < a->n_outcomes; i++)
            used[a->outcome[i].sg_test] = 1;
        say(&p,
            "Subgroups were defined by \"%.100s\", each pooled with its own tau^2, and "
            "compared with a test for subgroup differences.",
            a->data->group_col);
        if (used[MSC_SGTEST_Q])
            say(&p, "The test was Cochran's Q between the subgroups' estimates.");
        if (used[MSC_SGTEST_LRT])
            say(&p, "Where a subgroup's GLMM estimate fell back to the exact proportion, it was "
                    "the likelihood-ratio test of the binomial model with the subgroup as a "
                    "fixed effect (Turner et al. 2000).");
        if (used[MSC_SGTEST_FISHER])
            say(&p, "Where a subgroup had no events or only events, it was Fisher's exact test "
                    "on the pooled events by subgroup (Freeman and Halton 1951), which ignores "
                    "heterogeneity between studies.");
    }
    if (parts & MSC_PAGE_SENS)
        say(&p, "Sensitivity analyses: each study left out in turn; influence diagnostics "
                "(Viechtbauer and Cheung 2010) and Baujat plots (Baujat et al. 2002); "
                "small-study effects by funnel plots, Egger's regression test (Egger et al. "
                "1997), Peters' test (Peters et al. 2006), Begg and Mazumdar's rank "
                "correlation (Begg and Mazumdar 1994) and trim and fill (Duval and Tweedie "
                "2000), the tests being advised only with at least 10 studies.");
    if (parts & MSC_PAGE_COMPARE)
        say(&p, "The choice of model was checked by pooling each outcome under every "
                "defensible model side by side (Schwarzer et al. 2019).");
    if (parts & MSC_PAGE_REGRESS)
        say(&p, "Moderators were examined by mixed-effects meta-regression (Raudenbush 2009)%s.",
            s->test == MSC_TEST_KNHA ? " with the Knapp-Hartung adjustment (Knapp and Hartung "
                                       "2003)"
                                     : "");
    put2(&p, "</p>\n", "\n\n");
    put2(&p, "<h3>References</h3>\n<ul class=\"refs\">\n", "\n### References\n\n");
    for (const char *r = REFERENCES; *r;) {
        size_t n = strcspn(r, "\n");
        put2(&p, "<li>", "- ");
        msc_rep_html_text(&p.o, r, n, p.md);
        put2(&p, "</li>\n", "\n");
        r += n + (r[n] == '\n');
    }
    put2(&p, "</ul>\n", "\n");
    return page_close(&p);
}

/* ---------------------------------------------------- Reproducibility */

static void item(page *p, const char *name, const char *value, int code)
{
    if (p->md) {
        put(p, "- **");
        esc(p, name);
        put(p, "**: ");
        put(p, code ? "<code>" : "");
        esc(p, value);
        put(p, code ? "</code>\n" : "\n");
        return;
    }
    put(p, "<dt>");
    esc(p, name);
    put(p, "</dt><dd>");
    put(p, code ? "<code>" : "");
    esc(p, value);
    put(p, code ? "</code></dd>\n" : "</dd>\n");
}

/* A value of the settings object as its JSON would give it. */
static void value_text(const msc_rep_node *n, char *buf, size_t len)
{
    switch (n->type) {
    case MSC_REP_TEXT:
        snprintf(buf, len, "%s", n->v.text);
        break;
    case MSC_REP_BOOL:
        snprintf(buf, len, "%s", n->v.b ? "true" : "false");
        break;
    case MSC_REP_INT:
        snprintf(buf, len, "%lld", n->v.i);
        break;
    case MSC_REP_NULL:
        snprintf(buf, len, "null");
        break;
    default:
        if (len >= 32)
            msc_rep_number_text(buf, n->v.num);
        else
            buf[0] = '\0';
    }
}

msc_status msc_page_repro(msc_format f, const msc_analysis *a, const msc_page_info *info,
                          msc_write_fn fn, void *ctx)
{
    page p;
    if (!page_open(&p, f, fn, ctx) || !a || !info)
        return MSC_ERR_USAGE;
    char buf[64];
    put2(&p, "<dl class=\"repro\">\n", "");
    item(&p, "mscmeta version", MSC_VERSION, 0);
    if (info->command_line)
        item(&p, "Command line", info->command_line, 1);
    if (info->input_name)
        item(&p, "Input file", info->input_name, 1);
    if (info->input_size >= 0) {
        snprintf(buf, sizeof buf, "%lld bytes", info->input_size);
        item(&p, "Input size", buf, 0);
    }
    if (info->sha256)
        item(&p, "Input SHA-256", info->sha256, 1);
    if (info->date)
        item(&p, "Date", info->date, 0);
    put2(&p, "</dl>\n", "\n");
    /* the settings, as the JSON report's "settings" object has them */
    msc_rep b;
    msc_status st = msc_rep_init(&b);
    if (st != MSC_OK)
        return st;
    static const msc_report_options none = {0, NULL, NULL, NULL};
    msc_rep_node *root = msc_rep_data_head(&b, a, &none, "report");
    msc_rep_node *set = msc_rep_get(root, "settings", MSC_REP_JSON);
    if (!b.err && set) {
        put2(&p,
             "<table class=\"settings\">\n<thead><tr><th>Setting</th><th>Value</th></tr>"
             "</thead>\n<tbody>\n",
             "| Setting | Value |\n|---|---|\n");
        char v[256];
        for (const msc_rep_node *m = set->v.c.first; m; m = m->next) {
            if (!(m->show & MSC_REP_JSON))
                continue;
            value_text(m, v, sizeof v);
            put2(&p, "<tr><td>", "| ");
            esc(&p, m->key);
            put2(&p, "</td><td>", " | ");
            esc(&p, v);
            put2(&p, "</td></tr>\n", " |\n");
        }
        if (a->data->group_col) {
            put2(&p, "<tr><td>", "| ");
            esc(&p, "subgroup");
            put2(&p, "</td><td>", " | ");
            esc(&p, a->data->group_col);
            put2(&p, "</td></tr>\n", " |\n");
        }
        put2(&p, "</tbody>\n</table>\n", "\n");
    }
    st = b.err;
    msc_rep_release(&b);
    msc_status wst = page_close(&p);
    return st != MSC_OK ? st : wst;
}

msc_status msc_page_end(msc_format f, msc_write_fn fn, void *ctx)
{
    page p;
    if (!page_open(&p, f, fn, ctx))
        return MSC_ERR_USAGE;
    put2(&p, "</body>\n</html>\n", "");
    return page_close(&p);
}
