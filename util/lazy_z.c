/* SPDX-License-Identifier: MIT */
/* zlib opened on first use (util/lazy.h). Gzip-compressed listings and archive records. */
#include <zlib.h>

#include "lazy.h"

#define FUNCS(X) \
	X(gzclose) \
	X(gzdopen) \
	X(gzgets) \
	X(gzopen) \
	X(inflate) \
	X(inflateEnd) \
	X(inflateInit2_) \
	X(inflateReset)

LW_LAZY_LIBRARY(FUNCS, LW_Z_SONAME, "compressed input", LW_Z_PACKAGE, NULL)

int (gzclose)(gzFile file)
{
	need();
	return fn.gzclose(file);
}

gzFile (gzdopen)(int fd, const char *mode)
{
	need();
	return fn.gzdopen(fd, mode);
}

char *(gzgets)(gzFile file, char *buf, int len)
{
	need();
	return fn.gzgets(file, buf, len);
}

gzFile (gzopen)(const char *path, const char *mode)
{
	need();
	return fn.gzopen(path, mode);
}

int (inflate)(z_streamp strm, int flush)
{
	need();
	return fn.inflate(strm, flush);
}

int (inflateEnd)(z_streamp strm)
{
	need();
	return fn.inflateEnd(strm);
}

int (inflateInit2_)(z_streamp strm, int windowBits, const char *version, int stream_size)
{
	need();
	return fn.inflateInit2_(strm, windowBits, version, stream_size);
}

int (inflateReset)(z_streamp strm)
{
	need();
	return fn.inflateReset(strm);
}
