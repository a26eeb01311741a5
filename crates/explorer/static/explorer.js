// taonet explorer: live updates and in-place table sorting. No framework, no build step.
//
// Live updates: long-poll /api/live?after=<height>. The server answers when a newer block is
// finalized (or the node goes down or comes back); the script then writes the `fields` into
// every element with a matching data-live attribute, reloads charts (img[data-live-src], at
// most every 5 s) and re-fetches sections marked data-refresh="<seconds>" from the page's own
// URL with ?fragment=<section id> (at most once per that many seconds).
//
// Sorting: a click on a header link of a table.sortable reorders its rows in place (numbers by
// their data-v value, text by data-v) and updates ?sort=&dir= in the address bar, so a reload
// or a shared link shows the same order (the server sorts the same way).
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function cellKey(row, idx, numeric) {
    var cell = row.cells[idx];
    if (!cell) { return numeric ? -Infinity : ''; }
    var v = cell.getAttribute('data-v');
    if (v === null) { v = cell.textContent; }
    if (numeric) {
      var n = Number(v);
      return isNaN(n) ? -Infinity : n;
    }
    return v.trim().toLowerCase();
  }

  function sortTable(table, key, dir) {
    if (!table.tHead || !table.tBodies.length) { return; }
    var ths = table.tHead.rows[0].cells;
    var idx = -1;
    var numeric = false;
    for (var i = 0; i < ths.length; i++) {
      var th = ths[i];
      if (th.getAttribute('data-key') === key) {
        idx = i;
        numeric = th.getAttribute('data-type') === 'num';
        th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending');
      } else {
        th.removeAttribute('aria-sort');
      }
    }
    if (idx < 0) { return; }
    var body = table.tBodies[0];
    var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains('empty'); });
    var keyed = rows.map(function (r, n) { return { row: r, key: cellKey(r, idx, numeric), n: n }; });
    keyed.sort(function (a, b) {
      var c = a.key < b.key ? -1 : (a.key > b.key ? 1 : 0);
      if (dir === 'desc') { c = -c; }
      return c !== 0 ? c : a.n - b.n;
    });
    keyed.forEach(function (k) { body.appendChild(k.row); });
    table.setAttribute('data-sort-key', key);
    table.setAttribute('data-sort-dir', dir);
  }

  // Sort state chosen in this page view, re-applied after a live refresh replaces a table.
  var chosen = {};

  document.addEventListener('click', function (ev) {
    var link = ev.target.closest ? ev.target.closest('table.sortable th[data-key] a') : null;
    if (!link) { return; }
    ev.preventDefault();
    var th = link.closest('th');
    var table = th.closest('table');
    var key = th.getAttribute('data-key');
    var current = table.getAttribute('data-sort-key') === key ? table.getAttribute('data-sort-dir') : '';
    var dir = current ? (current === 'asc' ? 'desc' : 'asc') : (th.getAttribute('data-type') === 'num' ? 'desc' : 'asc');
    sortTable(table, key, dir);
    chosen[table.getAttribute('data-table')] = { key: key, dir: dir };
    var url = new URL(window.location.href);
    url.searchParams.set('sort', key);
    url.searchParams.set('dir', dir);
    history.replaceState(null, '', url.toString());
  });

  function reapplySorts(root) {
    root.querySelectorAll('table.sortable').forEach(function (t) {
      var c = chosen[t.getAttribute('data-table')];
      if (c) { sortTable(t, c.key, c.dir); }
    });
  }

  // ---- live updates
  var height = parseInt(document.body.getAttribute('data-height') || '0', 10) || 0;
  var loaded = Date.now();
  var lastRefresh = {};
  var lastCharts = loaded;

  function fragmentUrl(id) {
    var url = new URL(window.location.href);
    url.hash = '';
    url.searchParams.set('fragment', id);
    return url.toString();
  }

  function setStatus(message) {
    var el = document.getElementById('node-status');
    if (!el) { return; }
    el.textContent = message || '';
    el.className = message ? 'status down' : 'status';
  }

  function apply(data) {
    var fields = data.fields || {};
    Object.keys(fields).forEach(function (k) {
      document.querySelectorAll('[data-live="' + k + '"]').forEach(function (el) {
        el.textContent = fields[k];
      });
    });
    var now = Date.now();
    if (now - lastCharts >= 5000) {
      lastCharts = now;
      document.querySelectorAll('img[data-live-src]').forEach(function (img) {
        var src = img.getAttribute('data-live-src');
        img.src = src + (src.indexOf('?') < 0 ? '?' : '&') + 'h=' + data.height;
      });
    }
    document.querySelectorAll('section[data-refresh]').forEach(function (sec) {
      var every = (parseInt(sec.getAttribute('data-refresh'), 10) || 5) * 1000;
      var last = lastRefresh[sec.id] || loaded;
      if (now - last < every) { return; }
      lastRefresh[sec.id] = now;
      fetch(fragmentUrl(sec.id), { cache: 'no-store' }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (html !== null) {
          sec.innerHTML = html;
          reapplySorts(sec);
        }
      }).catch(function () {});
    });
  }

  function poll() {
    fetch('/api/live?after=' + height, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.json();
    }).then(function (data) {
      setStatus(data.error ? 'The node is not answering: ' + data.error + ' (retrying)' : '');
      if (typeof data.height === 'number' && data.height !== height) {
        height = data.height;
        document.body.setAttribute('data-height', String(height));
        apply(data);
      }
      setTimeout(poll, 0);
    }).catch(function () {
      setStatus('The explorer is not answering (retrying)');
      setTimeout(poll, 2000);
    });
  }

  if (window.fetch) { setTimeout(poll, 0); }
})();
