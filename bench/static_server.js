// SPDX-License-Identifier: MIT
// A static file server for bench_crawl.sh where nginx is not installed: serves ROOT from memory
// on each PORT of 127.0.0.1 with keep-alive, two worker processes. Slower than nginx, so curl's
// rate against it is lower and ratios to curl are flattering; A/B ratios between two lurewatch
// binaries crawling it in the same run are unaffected as long as it is not their bottleneck.
// Usage: node bench/static_server.js ROOT PORT...
'use strict';
const cluster = require('cluster');
const fs = require('fs');
const http = require('http');
const path = require('path');

const root = process.argv[2];
const ports = process.argv.slice(3).map(Number);
const types = { '.html': 'text/html', '.txt': 'text/plain' };

if (cluster.isPrimary) {
	for (let i = 0; i < 2; i++)
		cluster.fork();
	process.on('SIGTERM', () => { for (const id in cluster.workers) cluster.workers[id].kill(); process.exit(0); });
} else {
	const files = new Map();
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory())
				walk(p);
			else
				files.set('/' + path.relative(root, p).split(path.sep).join('/'), fs.readFileSync(p));
		}
	};
	walk(root);
	const serve = (req, res) => {
		const body = files.get(decodeURIComponent(req.url.split('?')[0]));
		if (!body) {
			res.writeHead(404, { 'Content-Length': 0 });
			res.end();
			return;
		}
		res.writeHead(200, { 'Content-Type': types[path.extname(req.url)] || 'application/octet-stream',
				     'Content-Length': body.length });
		res.end(body);
	};
	for (const port of ports) {
		const s = http.createServer(serve);
		s.keepAliveTimeout = 60000;
		s.listen(port, '127.0.0.1');
	}
}
