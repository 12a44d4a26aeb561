/* SPDX-License-Identifier: MIT */
/* libpq opened on first use (util/lazy.h). Every command that reads or writes the PostgreSQL store. */
#include <libpq-fe.h>

#include "lazy.h"

#define FUNCS(X) \
	X(PQclear) \
	X(PQcmdTuples) \
	X(PQconnectPoll) \
	X(PQconnectStart) \
	X(PQconsumeInput) \
	X(PQerrorMessage) \
	X(PQfinish) \
	X(PQflush) \
	X(PQfreemem) \
	X(PQgetResult) \
	X(PQgetisnull) \
	X(PQgetlength) \
	X(PQgetvalue) \
	X(PQisBusy) \
	X(PQnfields) \
	X(PQnotifies) \
	X(PQntuples) \
	X(PQputCopyData) \
	X(PQputCopyEnd) \
	X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) \
	X(PQsendPrepare) \
	X(PQsendQuery) \
	X(PQsendQueryParams) \
	X(PQsendQueryPrepared) \
	X(PQsetNoticeProcessor) \
	X(PQsetnonblocking) \
	X(PQsocket) \
	X(PQstatus) \
	X(PQtransactionStatus) \
	X(PQconnectdb) \
	X(PQexec)

LW_LAZY_LIBRARY(FUNCS, LW_PQ_SONAME, "the database", LW_PQ_PACKAGE, NULL)

void (PQclear)(PGresult *res)
{
	need();
	fn.PQclear(res);
}

char *(PQcmdTuples)(PGresult *res)
{
	need();
	return fn.PQcmdTuples(res);
}

PostgresPollingStatusType (PQconnectPoll)(PGconn *conn)
{
	need();
	return fn.PQconnectPoll(conn);
}

PGconn *(PQconnectStart)(const char *conninfo)
{
	need();
	return fn.PQconnectStart(conninfo);
}

int (PQconsumeInput)(PGconn *conn)
{
	need();
	return fn.PQconsumeInput(conn);
}

char *(PQerrorMessage)(const PGconn *conn)
{
	need();
	return fn.PQerrorMessage(conn);
}

void (PQfinish)(PGconn *conn)
{
	need();
	fn.PQfinish(conn);
}

int (PQflush)(PGconn *conn)
{
	need();
	return fn.PQflush(conn);
}

void (PQfreemem)(void *ptr)
{
	need();
	fn.PQfreemem(ptr);
}

PGresult *(PQgetResult)(PGconn *conn)
{
	need();
	return fn.PQgetResult(conn);
}

int (PQgetisnull)(const PGresult *res, int tup_num, int field_num)
{
	need();
	return fn.PQgetisnull(res, tup_num, field_num);
}

int (PQgetlength)(const PGresult *res, int tup_num, int field_num)
{
	need();
	return fn.PQgetlength(res, tup_num, field_num);
}

char *(PQgetvalue)(const PGresult *res, int tup_num, int field_num)
{
	need();
	return fn.PQgetvalue(res, tup_num, field_num);
}

int (PQisBusy)(PGconn *conn)
{
	need();
	return fn.PQisBusy(conn);
}

int (PQnfields)(const PGresult *res)
{
	need();
	return fn.PQnfields(res);
}

PGnotify *(PQnotifies)(PGconn *conn)
{
	need();
	return fn.PQnotifies(conn);
}

int (PQntuples)(const PGresult *res)
{
	need();
	return fn.PQntuples(res);
}

int (PQputCopyData)(PGconn *conn, const char *buffer, int nbytes)
{
	need();
	return fn.PQputCopyData(conn, buffer, nbytes);
}

int (PQputCopyEnd)(PGconn *conn, const char *errormsg)
{
	need();
	return fn.PQputCopyEnd(conn, errormsg);
}

char *(PQresultErrorField)(const PGresult *res, int fieldcode)
{
	need();
	return fn.PQresultErrorField(res, fieldcode);
}

char *(PQresultErrorMessage)(const PGresult *res)
{
	need();
	return fn.PQresultErrorMessage(res);
}

ExecStatusType (PQresultStatus)(const PGresult *res)
{
	need();
	return fn.PQresultStatus(res);
}

int (PQsendPrepare)(PGconn *conn, const char *stmtName, const char *query, int nParams, const Oid *paramTypes)
{
	need();
	return fn.PQsendPrepare(conn, stmtName, query, nParams, paramTypes);
}

int (PQsendQuery)(PGconn *conn, const char *query)
{
	need();
	return fn.PQsendQuery(conn, query);
}

int (PQsendQueryParams)(PGconn *conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat)
{
	need();
	return fn.PQsendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat);
}

int (PQsendQueryPrepared)(PGconn *conn, const char *stmtName, int nParams, const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat)
{
	need();
	return fn.PQsendQueryPrepared(conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat);
}

PQnoticeProcessor (PQsetNoticeProcessor)(PGconn *conn, PQnoticeProcessor proc, void *arg)
{
	need();
	return fn.PQsetNoticeProcessor(conn, proc, arg);
}

int (PQsetnonblocking)(PGconn *conn, int arg)
{
	need();
	return fn.PQsetnonblocking(conn, arg);
}

int (PQsocket)(const PGconn *conn)
{
	need();
	return fn.PQsocket(conn);
}

ConnStatusType (PQstatus)(const PGconn *conn)
{
	need();
	return fn.PQstatus(conn);
}

PGTransactionStatusType (PQtransactionStatus)(const PGconn *conn)
{
	need();
	return fn.PQtransactionStatus(conn);
}

/* Used by the unit tests only. */
PGconn *(PQconnectdb)(const char *conninfo)
{
	need();
	return fn.PQconnectdb(conninfo);
}

PGresult *(PQexec)(PGconn *conn, const char *query)
{
	need();
	return fn.PQexec(conn, query);
}
