/*
 * app.c - the table of apps (HLINEAPP) and lines (HLINE) of this process,
 * and the reference counting that lets an app be shut down while other
 * threads are still inside calls on it.
 */
#include "lib.h"

#include <stdlib.h>
#include <unistd.h>

pthread_mutex_t tx_lock = PTHREAD_MUTEX_INITIALIZER;
struct htab tx_apps;
struct htab tx_lines;

void tx_app_ref_locked(struct tx_app *app)
{
    app->refs++;
}

struct tx_app *tx_app_get(HLINEAPP h)
{
    pthread_mutex_lock(&tx_lock);
    struct tx_app *app = tx_htab_get(&tx_apps, h);
    if (app)
        app->refs++;
    pthread_mutex_unlock(&tx_lock);
    return app;
}

struct tx_app *tx_app_of_line(HLINE h, struct tx_line *copy)
{
    pthread_mutex_lock(&tx_lock);
    struct tx_line *line = tx_htab_get(&tx_lines, h);
    struct tx_app *app = NULL;
    if (line) {
        app = line->app;
        app->refs++;
        if (copy)
            *copy = *line;
    }
    pthread_mutex_unlock(&tx_lock);
    return app;
}

static void app_free(struct tx_app *app)
{
    if (app->fd >= 0)
        close(app->fd);
    if (app->evfd >= 0)
        close(app->evfd);
    wbuf_free(&app->in);
    wbuf_free(&app->out);
    free(app->q);
    pthread_mutex_destroy(&app->mu);
    pthread_mutex_destroy(&app->wmu);
    pthread_mutex_destroy(&app->rx_mu);
    pthread_cond_destroy(&app->cond);
    free(app);
}

void tx_app_put(struct tx_app *app)
{
    pthread_mutex_lock(&tx_lock);
    int left = --app->refs;
    pthread_mutex_unlock(&tx_lock);
    if (!left)
        app_free(app);
}

struct remove_arg {
    struct tx_app *app;
    HLINE *hs;
    size_t n;
};

static void collect(uint64_t key, void *val, void *arg)
{
    struct remove_arg *ra = arg;
    if (((struct tx_line *)val)->app == ra->app)
        ra->hs[ra->n++] = key;
}

void tx_lines_remove(struct tx_app *app, bool notify)
{
    struct remove_arg ra = {app, malloc((tx_lines.n + 1) * sizeof(HLINE)), 0};
    if (!ra.hs)
        return;
    tx_htab_each(&tx_lines, collect, &ra);
    for (size_t i = 0; i < ra.n; i++) {
        struct tx_line *line = tx_htab_del(&tx_lines, ra.hs[i]);
        if (notify) {
            LINEMESSAGE m = {line->h, LINE_CLOSE, line->instance, 0, 0, 0};
            tx_queue_push(app, &m);
        }
        free(line);
    }
    free(ra.hs);
}
