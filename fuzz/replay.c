/*
 * replay.c - runs a fuzz target over every file of a corpus directory, so the corpus is
 * an ordinary regression test in every build (no clang needed).
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/fsutil.h"

#include <dirent.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int main(int argc, char **argv);

int main(int argc, char **argv)
{
    struct dirent *e;
    size_t count = 0;
    DIR *dir;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    dir = opendir(argv[1]);
    if (!dir) {
        perror(argv[1]);
        return 1;
    }
    while ((e = readdir(dir))) {
        struct osr_buf data;
        char *path;
        if (e->d_name[0] == '.')
            continue;
        path = osr_path_join(argv[1], e->d_name);
        if (osr_fs_read_file(&data, path, 64u << 20) == 0) {
            LLVMFuzzerTestOneInput((const uint8_t *)data.ptr, data.len);
            osr_buf_dispose(&data);
            count++;
        }
        free(path);
    }
    closedir(dir);
    printf("replayed %zu inputs from %s\n", count, argv[1]);
    return count ? 0 : 1;
}
