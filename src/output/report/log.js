// The event log's filter by service, kind, time and text. Exposes window.ecsimLog so the charts' marks
// can set the filter and highlight rows, and the self-test can drive it.
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
  function apply() {
    var s = fs.value, k = fk.value, q = fq.value.toLowerCase();
    var a = parseFloat(ff.value), b = parseFloat(ft.value), n = 0;
    for (var i = 0; i !== rows.length; i++) {
      var r = rows[i];
      var t = Number(r.getAttribute('data-t')) / unit;
      var ok = (s === '*' || r.getAttribute('data-s') === s) &&
        (k === '*' || r.getAttribute('data-k') === k) &&
        (isNaN(a) || t >= a) && (isNaN(b) || b >= t) &&
        (q === '' || r.textContent.toLowerCase().indexOf(q) !== -1);
      r.hidden = !ok;
      if (ok) { n++; }
    }
    out.textContent = n + ' of ' + rows.length + ' events shown';
    return n;
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
      if (first) {
        box.scrollIntoView({ block: 'start' });
        first.scrollIntoView({ block: 'nearest' });
      }
      return n;
    },
    shown: function () {
      var n = 0;
      for (var i = 0; i !== rows.length; i++) { if (!rows[i].hidden) { n++; } }
      return n;
    }
  };
})();
