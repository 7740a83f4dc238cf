/*
 * main.c - the osiris executable: everything is in the osiris_core library.
 */
#include "cli/commands.h"

int main(int argc, char **argv)
{
    return osr_cli_main(argc, argv);
}
