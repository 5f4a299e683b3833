/*
 * Placeholders for the commands not built yet (plots: issue 4). Each fails with a message that says so; this file goes away as
 * they land.
 */
#include <stdio.h>

#include "cli.h"

int msc_cmd_plot(msc_cli *c)
{
    (void)c;
    msc_cli_error("plots are not built yet");
    return EXIT_USAGE;
}

int msc_cli_forest(const msc_cli *c, const msc_analysis *a)
{
    (void)c, (void)a;
    msc_cli_error("--forest: plots are not built yet");
    return EXIT_USAGE;
}
