// The event log's filter by service, kind, time and text, shown a page at a time (data-page rows of the
// matching ones; ◀ ▶ turn the pages). Exposes window.ecsimLog so the charts' marks can set the filter and
// highlight rows (turning to the page of the first), and the self-test can drive it.
(function () {
  var box = document.getElementById('events');
  if (!box) { return; }
  var rows = box.querySelectorAll('tbody tr');
  var fs = document.getElementById('f-service');
  var fk = document.getElementById('f-kind');
  var ff = document.getElementById('f-from');
  var ft = document.getElementById('f-to');
  var fq = document.getElementById('f-text');
  var out = document.getElementById('f-count');
  var unit = Number(box.getAttribute('data-unit')) || 3600;
  var PAGE = Number(box.getAttribute('data-page')) || 500;
  var prev = document.getElementById('f-prev');
  var next = document.getElementById('f-next');
  var page = 0, matches = [];
  function render() {
    var pages = Math.max(1, Math.ceil(matches.length / PAGE));
    page = Math.min(Math.max(page, 0), pages - 1);
    for (var i = 0; i !== rows.length; i++) { rows[i].hidden = true; }
    var end = Math.min(matches.length, (page + 1) * PAGE);
    for (var j = page * PAGE; j < end; j++) { matches[j].hidden = false; }
    out.textContent = matches.length + ' of ' + rows.length + ' events match' +
      (pages > 1 ? ' · page ' + (page + 1) + ' of ' + pages + ' (' + PAGE + ' a page)' : '');
    if (prev) { prev.disabled = page === 0; next.disabled = page >= pages - 1; }
  }
  function apply() {
    var s = fs.value, k = fk.value, q = fq.value.toLowerCase();
    var a = parseFloat(ff.value), b = parseFloat(ft.value);
    matches = [];
    for (var i = 0; i !== rows.length; i++) {
      var r = rows[i];
      var t = Number(r.getAttribute('data-t')) / unit;
      var ok = (s === '*' || r.getAttribute('data-s') === s) &&
        (k === '*' || r.getAttribute('data-k') === k) &&
        (isNaN(a) || t >= a) && (isNaN(b) || b >= t) &&
        (q === '' || r.textContent.toLowerCase().indexOf(q) !== -1);
      if (ok) { matches.push(r); }
    }
    page = 0;
    render();
    return matches.length;
  }
  if (prev) {
    prev.addEventListener('click', function () { page--; render(); });
    next.addEventListener('click', function () { page++; render(); });
  }
  [fs, fk, ff, ft, fq].forEach(function (e) {
    e.addEventListener('input', apply);
    e.addEventListener('change', apply);
  });
  function clearHighlight() {
    var hl = box.querySelectorAll('tr.hl');
    for (var i = 0; i !== hl.length; i++) { hl[i].classList.remove('hl'); }
  }
  document.getElementById('f-reset').addEventListener('click', function () {
    fs.value = '*'; fk.value = '*'; ff.value = ''; ft.value = ''; fq.value = '';
    clearHighlight();
    apply();
  });
  apply();
  window.ecsimLog = {
    unit: unit,
    rows: rows,
    // Set the filter: f.service and f.kind ('*' for all), f.from and f.to in the log's time unit (NaN or
    // undefined for open), f.text. Returns the number of rows shown.
    set: function (f) {
      fs.value = f.service === undefined ? '*' : f.service;
      fk.value = f.kind === undefined ? '*' : f.kind;
      ff.value = f.from === undefined || isNaN(f.from) ? '' : String(f.from);
      ft.value = f.to === undefined || isNaN(f.to) ? '' : String(f.to);
      fq.value = f.text || '';
      return apply();
    },
    // Highlight the rows with these indices and scroll the first into view. Returns how many.
    highlight: function (indices) {
      clearHighlight();
      var first = null, n = 0;
      for (var i = 0; i !== indices.length; i++) {
        var r = rows[indices[i]];
        if (!r) { continue; }
        r.classList.add('hl');
        n++;
        if (!first) { first = r; }
      }
      var at = first ? matches.indexOf(first) : -1;
      if (at >= 0) { page = Math.floor(at / PAGE); render(); }
      if (first) {
        box.scrollIntoView({ block: 'start' });
        first.scrollIntoView({ block: 'nearest' });
      }
      return n;
    },
    // The number of rows the filter matches (on every page).
    shown: function () { return matches.length; },
    // The rows on the page shown.
    onPage: function () {
      var n = 0;
      for (var i = 0; i !== rows.length; i++) { if (!rows[i].hidden) { n++; } }
      return n;
    }
  };
})();
