// Run and sweep reports: every table.sortable sorts by a column when its header is clicked (again: the other way),
// numbers as numbers (the first number of the cell, so "12.3 ± 0.4 (5)" sorts by 12.3), and the text box
// #v-filter shows only the variants whose row contains its text, in every table and column that names
// variants (rows with data-variant, header cells with data-variant and their column). A search box with
// data-filter-table="ID" (the run report's services) shows only the rows of table ID containing its text.
(function () {
  'use strict';
  function key(cell) {
    var txt = (cell ? cell.textContent : '').trim();
    var m = txt.replace(/,/g, '').match(/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i);
    return m ? { n: parseFloat(m[0]), s: txt } : { n: NaN, s: txt };
  }
  function sortBy(table, col) {
    var th = table.tHead.rows[0].cells[col];
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    var ths = table.tHead.rows[0].cells;
    for (var i = 0; i !== ths.length; i++) { ths[i].removeAttribute('aria-sort'); }
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = key(r1.cells[col]), b = key(r2.cells[col]), c;
      if (!isNaN(a.n) && !isNaN(b.n)) { c = a.n - b.n; } else if (!isNaN(a.n)) { c = -1; } else if (!isNaN(b.n)) { c = 1; } else { c = a.s.localeCompare(b.s); }
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    var ths = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, i) {
      th.classList.add('sort');
      th.title = 'sort by this column';
      th.tabIndex = 0;
      th.addEventListener('click', function () { sortBy(table, i); });
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sortBy(table, i); } });
    });
  });
  var box = document.getElementById('v-filter');
  var count = document.getElementById('v-count');
  function filter() {
    var q = box.value.trim().toLowerCase(), shown = 0, total = 0;
    // A variant is shown when its row of the Variants table (name and the values it sets) has the text.
    var hiddenVariants = {};
    Array.prototype.forEach.call(document.querySelectorAll('#variants tr[data-variant]'), function (r) {
      var ok = q === '' || r.textContent.toLowerCase().indexOf(q) !== -1;
      r.hidden = !ok;
      total++;
      if (ok) { shown++; } else { hiddenVariants[r.getAttribute('data-variant')] = 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll('tr[data-variant]'), function (r) {
      if (!r.closest('#variants')) { r.hidden = hiddenVariants[r.getAttribute('data-variant')] === 1; }
    });
    // In the side-by-side table the variants are columns: hide a column whose variant is hidden.
    Array.prototype.forEach.call(document.querySelectorAll('table.by-variant'), function (table) {
      var head = table.tHead.rows[0].cells;
      for (var c = 0; c !== head.length; c++) {
        var v = head[c].getAttribute('data-variant');
        if (v === null) { continue; }
        var hide = hiddenVariants[v] === 1;
        for (var r = 0; r !== table.rows.length; r++) {
          var cell = table.rows[r].cells[c];
          if (cell) { cell.hidden = hide; }
        }
      }
    });
    if (count) { count.textContent = shown + ' of ' + total + ' variants shown'; }
    return shown;
  }
  if (box) {
    box.addEventListener('input', filter);
    filter();
  }
  Array.prototype.forEach.call(document.querySelectorAll('input[data-filter-table]'), function (inp) {
    var table = document.getElementById(inp.getAttribute('data-filter-table'));
    var label = document.getElementById(inp.id.replace(/-filter$/, '-count'));
    if (!table) { return; }
    function rowFilter() {
      var q = inp.value.trim().toLowerCase(), rows = table.tBodies[0].rows, shown = 0;
      for (var i = 0; i !== rows.length; i++) {
        var ok = q === '' || rows[i].cells[0].textContent.toLowerCase().indexOf(q) !== -1;
        rows[i].hidden = !ok;
        if (ok) { shown++; }
      }
      if (label) { label.textContent = shown + ' of ' + rows.length + ' shown'; }
      return shown;
    }
    inp.addEventListener('input', rowFilter);
    rowFilter();
  });
  window.ecsimTables = { sortBy: sortBy, filter: function (q) { box.value = q; return filter(); } };
})();
