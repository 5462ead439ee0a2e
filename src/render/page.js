(function () {
  'use strict';
  var errors = 0;
  window.addEventListener('error', function () {
    errors += 1;
    document.body.setAttribute('data-errors', String(errors));
  });
  function el(tag, text) { var n = document.createElement(tag); if (text !== undefined) { n.textContent = text; } return n; }
  function each(selector, f, root) { Array.prototype.forEach.call((root || document).querySelectorAll(selector), f); }
  function grouped(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }

  // Sorting: a header sorts its column, numbers and times by their value.
  function key(td) {
    var v = td ? td.getAttribute('data-v') : null;
    if (v !== null && v !== '' && !isNaN(Number(v))) { return { n: Number(v) }; }
    return { s: td ? td.textContent.toLowerCase() : '' };
  }
  function sortBy(th) {
    var row = th.parentNode, table = row.closest('table'), body = table.tBodies[0];
    var idx = Array.prototype.indexOf.call(row.children, th);
    var dir = th.getAttribute('aria-sort') === 'descending' ? 1 : -1;
    Array.prototype.forEach.call(row.children, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[idx]), y = key(b.cells[idx]);
      if ('n' in x && 'n' in y) { return (x.n - y.n) * dir; }
      var xs = 'n' in x ? String(x.n) : x.s, ys = 'n' in y ? String(y.n) : y.s;
      return xs < ys ? -dir : xs > ys ? dir : 0;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  each('table.sortable th[tabindex]', function (th) {
    th.addEventListener('click', function () { sortBy(th); });
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sortBy(th); } });
  });

  // Filtering: the rows whose text holds every word typed.
  each('div.tools', function (tools) {
    var input = tools.querySelector('input.filter'), shown = tools.querySelector('.shown');
    var table = tools.nextElementSibling.querySelector('table');
    input.addEventListener('input', function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(function (w) { return w !== ''; });
      var n = 0, all = table.tBodies[0].rows.length;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
        var text = tr.textContent.toLowerCase();
        var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
        tr.hidden = !keep;
        if (keep) { n += 1; }
      });
      shown.textContent = words.length ? grouped(n) + ' of ' + grouped(all) + ' rows' : '';
    });
  });

  // Drill-down: the sign-ins behind a bar, or behind one part of it.
  var dataNode = document.getElementById('drill-data');
  var data = dataNode ? JSON.parse(dataNode.textContent) : { cells: [] };
  function show(bar, k) {
    var cell = data.cells[Number(k)];
    var panel = document.getElementById('drill-' + bar.getAttribute('data-chart'));
    if (!cell || !panel) { return; }
    bar.parentNode.querySelectorAll('g.bar.selected').forEach(function (g) { g.classList.remove('selected'); });
    bar.classList.add('selected');
    panel.textContent = '';
    panel.setAttribute('data-shown', String(k));
    panel.appendChild(el('h4', cell.title));
    var wrap = el('div'); wrap.className = 'scroll';
    var table = el('table'), head = el('tr');
    cell.columns.forEach(function (c) { head.appendChild(el('th', c)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = el('tbody');
    cell.rows.forEach(function (r) {
      var tr = el('tr');
      if (r[2] !== 'success') { tr.className = 'failed'; }
      r.forEach(function (v) { tr.appendChild(el('td', v)); });
      body.appendChild(tr);
    });
    table.appendChild(body); wrap.appendChild(table); panel.appendChild(wrap);
    if (cell.omitted > 0) {
      var p = el('p', grouped(cell.omitted) + ' more are not embedded. All of them: ');
      p.className = 'note'; p.appendChild(el('code', cell.command)); panel.appendChild(p);
    } else {
      var q = el('p', 'The same list on the command line: ');
      q.className = 'note'; q.appendChild(el('code', cell.command)); panel.appendChild(q);
    }
  }
  each('g.bar[data-drill]', function (bar) {
    bar.addEventListener('click', function (e) {
      var part = e.target.closest('[data-part]');
      show(bar, part ? part.getAttribute('data-part') : bar.getAttribute('data-drill'));
    });
    bar.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(bar, bar.getAttribute('data-drill')); }
    });
  });

  // The menu marks the section being read.
  var links = {};
  each('nav.menu a', function (a) { links[a.getAttribute('href').slice(1)] = a; });
  if ('IntersectionObserver' in window) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        var a = links[e.target.id];
        if (a && e.isIntersecting) {
          each('nav.menu a.current', function (c) { c.classList.remove('current'); });
          a.classList.add('current');
        }
      });
    }, { rootMargin: '-45% 0px -50% 0px' });
    each('main > section[id]', function (s) { seen.observe(s); });
  }

  // #only=ID shows one section; #drill=K,L opens drill-down cells (screenshots and tests).
  var only = /^#only=([a-z0-9-]+)/.exec(window.location.hash);
  if (only) {
    each('main > section', function (s) { s.hidden = s.id !== only[1]; });
    var nav = document.querySelector('nav.menu'); if (nav) { nav.hidden = true; }
  }
  var pick = /[#&]drill=([\d,]+)/.exec(window.location.hash);
  if (pick) {
    pick[1].split(',').forEach(function (k) {
      var part = document.querySelector('[data-part="' + k + '"]');
      var bar = part ? part.closest('g.bar') : document.querySelector('g.bar[data-drill="' + k + '"]');
      if (bar) { show(bar, k); }
    });
  }
  var filter = /[#&]filter=([^&]*)/.exec(window.location.hash);
  if (filter) {
    each('input.filter', function (input) {
      input.value = decodeURIComponent(filter[1]);
      input.dispatchEvent(new Event('input'));
    });
  }
  var open = /[#&]open=1/.exec(window.location.hash);
  if (open) { each('details', function (d) { d.open = true; }); }
  document.body.setAttribute('data-ready', '1');
})();
