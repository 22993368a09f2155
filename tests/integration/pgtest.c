/* pgtest.c - databases on the test PostgreSQL server (pgtest.h). */
#include "pgtest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static PGconn *connect_to(const char *url)
{
    const char *const keys[] = {"connect_timeout", "dbname", NULL};
    const char *const vals[] = {"10", url, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pgtest: cannot connect: %s", c ? PQerrorMessage(c) : "out of memory\n");
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

/* Append s percent-encoded (all but unreserved characters and '/'). */
static size_t put_enc(char *out, size_t cap, size_t o, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
        int n = plain ? snprintf(out + o, o < cap ? cap - o : 0, "%c", c)
                      : snprintf(out + o, o < cap ? cap - o : 0, "%%%02X", c);
        o += (size_t)n;
    }
    return o;
}

int pgtest_create_db(char *url, size_t cap, const char *tag)
{
    static unsigned counter;
    const char *admin = getenv("TAPIX_TEST_PG");
    if (!admin || !*admin) {
        fprintf(stderr, "pgtest: TAPIX_TEST_PG (the test server's URL) is not set\n");
        return -1;
    }
    char name[64];
    int n = snprintf(name, sizeof name, "acdt_%d_%u_", (int)getpid(), ++counter);
    for (const char *t = tag; *t && n < 60; t++)
        name[n++] = (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') ? *t : '_';
    name[n] = '\0';
    PGconn *c = connect_to(admin);
    if (!c)
        return -1;
    char sql[160];
    int rc = 0;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
        PQclear(r);
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
        r = PQexec(c, sql);
    }
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "pgtest: %s: %s", sql, PQresultErrorMessage(r));
        rc = -1;
    }
    PQclear(r);
    /* The new database's URL, on the server and as the user we reached. */
    const char *host = PQhost(c), *port = PQport(c), *user = PQuser(c), *pass = PQpass(c);
    size_t o = (size_t)snprintf(url, cap, "postgresql://");
    o = put_enc(url, cap, o, user ? user : "");
    if (pass && *pass) {
        o += (size_t)snprintf(url + o, o < cap ? cap - o : 0, ":");
        o = put_enc(url, cap, o, pass);
    }
    o += (size_t)snprintf(url + o, o < cap ? cap - o : 0, "@/%s?host=", name);
    o = put_enc(url, cap, o, host ? host : "");
    if (port && *port) {
        o += (size_t)snprintf(url + o, o < cap ? cap - o : 0, "&port=");
        o = put_enc(url, cap, o, port);
    }
    PQfinish(c);
    if (o >= cap) {
        fprintf(stderr, "pgtest: URL too long\n");
        return -1;
    }
    return rc;
}

int pgtest_exec(const char *url, const char *sql)
{
    PGconn *c = connect_to(url);
    if (!c)
        return -1;
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc)
        fprintf(stderr, "pgtest: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    return rc;
}

long long pgtest_int(const char *url, const char *sql)
{
    PGconn *c = connect_to(url);
    if (!c)
        return -1;
    PGresult *r = PQexec(c, sql);
    long long v = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "pgtest: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    return v;
}
