// SPDX-License-Identifier: MIT
// Keyboard triage on the queue page: j/k move, Enter opens, c claims,
// e escalates, d dismisses, n adds a note. Served as a file (the CSP
// forbids inline script); it fills and submits the page's one action form,
// which carries the CSRF token.
(function () {
	'use strict';
	var table = document.getElementById('queue');
	var form = document.getElementById('act');
	if (!table || !form) return;
	var rows = Array.prototype.slice.call(table.querySelectorAll('tr[data-id]'));
	if (!rows.length) return;
	var agencies = (document.getElementById('agencies').getAttribute('data-list') || '').split(',');
	var sel = parseInt(table.getAttribute('data-sel'), 10) || 0;
	if (sel >= rows.length) sel = rows.length - 1;

	function select(i) {
		if (i < 0 || i >= rows.length) return;
		rows[sel].classList.remove('sel');
		sel = i;
		rows[sel].classList.add('sel');
		rows[sel].scrollIntoView({ block: 'nearest' });
	}

	// After the action the server sends the analyst back to this row index:
	// a resolved item leaves the list and the next one takes its place.
	function act(action, fields) {
		var id = rows[sel].getAttribute('data-id');
		form.action = '/item/' + id + '/' + action;
		var back = form.elements.back.value.replace(/([?&])sel=\d+/, '$1').replace(/&$/, '');
		form.elements.back.value = back + (back.indexOf('?') < 0 ? '?' : '&') + 'sel=' + sel;
		['verdict', 'agency', 'note'].forEach(function (k) {
			form.elements[k].value = (fields && fields[k]) || '';
		});
		form.submit();
	}

	rows.forEach(function (r, i) {
		r.addEventListener('click', function () { select(i); });
	});
	select(sel);
	rows[sel].classList.add('sel');

	document.addEventListener('keydown', function (e) {
		var t = e.target.tagName;
		if (t === 'INPUT' || t === 'TEXTAREA' || t === 'SELECT' || e.ctrlKey || e.metaKey || e.altKey)
			return;
		switch (e.key) {
		case 'j': select(sel + 1); break;
		case 'k': select(sel - 1); break;
		case 'Enter': case 'o':
			window.location = '/item/' + rows[sel].getAttribute('data-id');
			break;
		case 'c': act('claim'); break;
		case 'd': act('resolve', { verdict: 'dismissed' }); break;
		case 'e': {
			var a = window.prompt('Escalate to which agency? (' + agencies.join(', ') + ')', agencies[0]);
			if (a) act('resolve', { verdict: 'escalated', agency: a.trim() });
			break;
		}
		case 'n': {
			var n = window.prompt('Note for item ' + rows[sel].getAttribute('data-id'));
			if (n) act('note', { note: n });
			break;
		}
		default: return;
		}
		e.preventDefault();
	});
})();
