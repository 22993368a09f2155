/* pgtest.h - databases on the test PostgreSQL server for the suites that
 * run on the PostgreSQL store (TAPIX_TEST_STORE=pg).
 *
 * $TAPIX_TEST_PG is the URL of the server's maintenance database
 * (scripts/pg-test.sh url DIR; scripts/run-tests.sh sets it). */
#ifndef TAPIX_TEST_PGTEST_H
#define TAPIX_TEST_PGTEST_H

#include <stddef.h>

/* Create a fresh, empty database (named after tag, the process and a
   counter) and put its postgresql:// URL in url.  0, or -1 with the
   reason on stderr. */
int pgtest_create_db(char *url, size_t cap, const char *tag);

/* Run sql (maybe several statements) on the database at url.  0 or -1
   (the reason on stderr). */
int pgtest_exec(const char *url, const char *sql);

/* The first column of sql's first row as an integer; -1 on error or when
   there is no row. */
long long pgtest_int(const char *url, const char *sql);

#endif
