// The run report's interactive time series: every chart of the JSON blob #ts-data drawn on a <canvas>, one
// shared time view (zoom and pan by wheel, drag and the toolbar's buttons), a read-out of every line at the
// pointer's minute, clock time on the axis, integer ticks for counts, and the scaling, deployment and fault
// marks clickable to their lines in the event log (window.ecsimLog, log.js). Hand-written, no library:
// see docs/decisions.md. The status (charts drawn, time to interactive, the view) is written on <html> as
// data-* attributes for the browser test.
(function () {
  'use strict';
  var blob = document.getElementById('ts-data');
  var host = document.getElementById('explore-charts');
  if (!blob || !host) { return; }
  var t0ms = window.performance ? performance.now() : 0;
  var root = document.documentElement;
  var D = JSON.parse(blob.textContent);
  var T = D.t, N = T.length, K = D.k, P = D.period || 60;
  var START = T[0], END = Math.max(D.end, START + 60);
  var MIN_SPAN = Math.max(4 * K * P, 300);
  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
    '#bcbd22', '#17becf'];
  var MARK_COLOR = { scaling: '#e67800', cluster_scaling: '#803caa', deployment: '#1e8c28' };
  var FAULT_COLOR = '#d7191c';
  var PAD = { left: 58, right: 12, top: 12, bottom: 24 };
  var HEIGHT = 180;
  var view = { a: START, b: END };
  var label = document.getElementById('view-label');
  var note = document.getElementById('mark-note');
  var marks = D.marks || { kinds: [], services: [], m: [] };
  var charts = [];

  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  // Elapsed simulated time as the event log writes it: 'HH:MM', with 'Nd ' from the second day.
  function clock(s, secs) {
    s = Math.max(0, Math.round(s));
    var d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
    var txt = pad2(h) + ':' + pad2(m) + (secs ? ':' + pad2(s % 60) : '');
    return d > 0 ? d + 'd ' + txt : txt;
  }
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) { return '–'; }
    if (Math.abs(v) >= 1e6) { return Number((v / 1e6).toPrecision(3)) + 'M'; }
    if (Math.abs(v) >= 1e4) { return Number((v / 1e3).toPrecision(3)) + 'k'; }
    if (Number.isInteger(v)) { return String(v); }
    return String(Number(v.toPrecision(4)));
  }
  function markColor(kind) {
    return MARK_COLOR[kind] || (kind.indexOf('fault') !== -1 ? FAULT_COLOR : '#555');
  }
  // The first bucket index whose time is >= t (N when none).
  function lowerBound(t) {
    var lo = 0, hi = N;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (T[mid] < t) { lo = mid + 1; } else { hi = mid; } }
    return lo;
  }
  function niceStep(raw, integer) {
    var p = Math.pow(10, Math.floor(Math.log10(raw > 0 ? raw : 1)));
    var f = raw / p;
    var step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    return integer ? Math.max(1, Math.round(step)) : step;
  }
  var TIME_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
    1209600, 2592000];
  function timeStep(span, px) {
    var most = Math.max(2, Math.floor(px / 95));
    for (var i = 0; i !== TIME_STEPS.length; i++) { if (span / TIME_STEPS[i] <= most) { return TIME_STEPS[i]; } }
    return TIME_STEPS[TIME_STEPS.length - 1] * Math.ceil(span / most / TIME_STEPS[TIME_STEPS.length - 1]);
  }

  function build(c, idx) {
    var fig = document.createElement('div');
    fig.className = 'ichart';
    fig.setAttribute('data-chart', String(idx));
    var h = document.createElement('h3');
    h.textContent = c.title;
    var legend = document.createElement('div');
    legend.className = 'legend';
    c.lines.forEach(function (l, i) {
      var item = document.createElement('span');
      var sw = document.createElement('i');
      sw.style.background = PALETTE[i % PALETTE.length];
      item.appendChild(sw);
      item.appendChild(document.createTextNode(l.label));
      legend.appendChild(item);
    });
    var canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', c.title + ' over simulated time');
    var read = document.createElement('div');
    read.className = 'readout';
    read.textContent = 'Point at the chart for the values at that minute; drag to pan, wheel to zoom.';
    fig.appendChild(h); fig.appendChild(legend); fig.appendChild(canvas); fig.appendChild(read);
    host.appendChild(fig);
    var own = [];
    for (var i = 0; i !== marks.m.length; i++) {
      var s = marks.services[marks.m[i][2]];
      if (c.service === null || s === c.service || s === '') { own.push(i); }
    }
    var chart = { c: c, el: fig, canvas: canvas, read: read, marks: own, markX: [], hover: null };
    attach(chart);
    return chart;
  }

  // The charts' width in CSS pixels, read once per drawing (reading it per chart would lay the page out
  // again for each: slow on a page with a long event log). The canvas's CSS size is fixed by the style sheet.
  var width = 800;
  function measure() { width = Math.max(200, Math.floor(host.clientWidth || 800)); }
  function draw(ch) {
    var cv = ch.canvas, c = ch.c;
    var dpr = window.devicePixelRatio || 1;
    var w = width;
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(HEIGHT * dpr)) {
      cv.width = Math.round(w * dpr); cv.height = Math.round(HEIGHT * dpr);
    }
    var ctx = cv.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, HEIGHT);
    var pw = w - PAD.left - PAD.right, ph = HEIGHT - PAD.top - PAD.bottom;
    var a = view.a, b = view.b;
    var i0 = Math.max(0, lowerBound(a) - 1), i1 = Math.min(N - 1, lowerBound(b));
    var lo = Infinity, hi = -Infinity, points = 0;
    c.lines.forEach(function (l) {
      for (var i = i0; i <= i1; i++) {
        var x = l.lo ? l.lo[i] : l.v[i], y = l.hi ? l.hi[i] : l.v[i];
        if (x !== null && x < lo) { lo = x; }
        if (y !== null && y > hi) { hi = y; }
      }
    });
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    lo = Math.min(0, lo);
    if (hi <= lo) { hi = lo + 1; }
    var step = niceStep((hi - lo) / 4, c.int);
    lo = Math.floor(lo / step) * step; hi = Math.ceil(hi / step) * step;
    var X = function (t) { return PAD.left + (t - a) / (b - a) * pw; };
    var Y = function (v) { return PAD.top + ph - (v - lo) / (hi - lo) * ph; };
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#e3e6ea'; ctx.fillStyle = '#5b6670';
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (var yv = lo; yv <= hi + step / 2; yv += step) {
      var yy = Math.round(Y(yv)) + 0.5;
      ctx.beginPath(); ctx.moveTo(PAD.left, yy); ctx.lineTo(PAD.left + pw, yy); ctx.stroke();
      ctx.fillText(fmt(Number(yv.toPrecision(12))), PAD.left - 6, yy);
    }
    var ts = timeStep(b - a, pw);
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    for (var tt = Math.ceil(a / ts) * ts; tt <= b; tt += ts) {
      var xx = Math.round(X(tt)) + 0.5;
      ctx.beginPath(); ctx.moveTo(xx, PAD.top); ctx.lineTo(xx, PAD.top + ph); ctx.stroke();
      ctx.fillText(clock(tt), Math.min(Math.max(xx, PAD.left + 18), PAD.left + pw - 18), PAD.top + ph + 6);
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(PAD.left, PAD.top - 1, pw, ph + 2); ctx.clip();
    c.lines.forEach(function (l, li) {
      var col = PALETTE[li % PALETTE.length];
      if (l.lo && l.hi) {
        // The min–max band: one polygon per run of buckets with values, maxima forward, minima back.
        ctx.fillStyle = col; ctx.globalAlpha = 0.16;
        var i = i0;
        while (i <= i1) {
          while (i <= i1 && l.lo[i] === null) { i++; }
          var s0 = i;
          while (i <= i1 && l.lo[i] !== null) { i++; }
          if (i === s0) { continue; }
          ctx.beginPath();
          for (var u = s0; u < i; u++) { ctx.lineTo(X(T[u]), Y(l.hi[u])); }
          for (var d = i - 1; d >= s0; d--) { ctx.lineTo(X(T[d]), Y(l.lo[d])); }
          ctx.closePath();
          ctx.fill();
        }
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = col; ctx.lineWidth = 1.6;
      ctx.beginPath();
      var pen = false;
      for (var j = i0; j <= i1; j++) {
        var v = l.v[j];
        if (v === null) { pen = false; continue; }
        var px = X(T[j]), py = Y(v);
        if (pen) { ctx.lineTo(px, py); } else { ctx.moveTo(px, py); pen = true; }
        points++;
      }
      ctx.stroke();
    });
    ctx.restore();
    ch.markX = [];
    ch.marks.forEach(function (mi) {
      var m = marks.m[mi];
      if (m[0] < a || m[0] > b) { return; }
      var mx = Math.round(X(m[0])) + 0.5;
      ctx.strokeStyle = markColor(marks.kinds[m[1]]); ctx.lineWidth = 1;
      ctx.globalAlpha = 0.35;
      ctx.beginPath(); ctx.moveTo(mx, PAD.top + 9); ctx.lineTo(mx, PAD.top + ph); ctx.stroke();
      ctx.globalAlpha = 1; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(mx, PAD.top - 2); ctx.lineTo(mx, PAD.top + 9); ctx.stroke();
      ch.markX.push([mx, mi]);
    });
    if (ch.hover !== null && ch.hover >= a && ch.hover <= b) {
      ctx.strokeStyle = '#1d2329'; ctx.lineWidth = 1; ctx.setLineDash([3, 3]);
      var hx = Math.round(X(ch.hover)) + 0.5;
      ctx.beginPath(); ctx.moveTo(hx, PAD.top); ctx.lineTo(hx, PAD.top + ph); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.strokeStyle = '#b8c0c8'; ctx.lineWidth = 1;
    ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, pw - 1, ph - 1);
    ch.el.setAttribute('data-points', String(points));
    ch.el.setAttribute('data-marks', String(ch.markX.length));
    return points;
  }

  // Draw every chart; a chart that throws is reported, not fatal for the others. Returns the number
  // drawn with at least one point.
  function drawAll() {
    var ok = 0;
    measure();
    charts.forEach(function (ch) {
      try {
        if (draw(ch) > 0) { ok++; }
      } catch (e) {
        if (window.ecsimError) { window.ecsimError('chart "' + ch.c.title + '": ' + e); }
      }
    });
    label.textContent = clock(view.a) + ' – ' + clock(view.b) +
      (K > 1 ? ' · each point is the mean of ' + K + ' samples (band: min–max)' : '');
    root.setAttribute('data-view', Math.round(view.a) + ' ' + Math.round(view.b));
    root.setAttribute('data-charts-drawn', String(ok));
    return ok;
  }
  // Redraw on the next frame: every chart (a new view) or only `ch` (its hover line moved).
  var pending = null;
  function redraw(ch) {
    var first = pending === null;
    pending = ch && (first || pending === ch) ? ch : 'all';
    if (!first) { return; }
    window.requestAnimationFrame(function () {
      var p = pending;
      pending = null;
      if (p === 'all') { drawAll(); } else { draw(p); }
    });
  }
  function setView(a, b) {
    var span = Math.min(Math.max(b - a, MIN_SPAN), END - START);
    if (a < START) { a = START; }
    if (a + span > END) { a = END - span; }
    view.a = a; view.b = a + span;
  }
  function zoom(factor, centre) {
    var c = centre === undefined ? (view.a + view.b) / 2 : centre;
    setView(c - (c - view.a) * factor, c + (view.b - c) * factor);
  }
  function timeAt(ch, x) {
    var pw = ch.canvas.clientWidth - PAD.left - PAD.right;
    return view.a + (x - PAD.left) / pw * (view.b - view.a);
  }
  function marksNear(ch, x) {
    return ch.markX.filter(function (p) { return Math.abs(p[0] - x) <= 4; }).map(function (p) { return p[1]; });
  }
  function readout(ch, x) {
    var t = timeAt(ch, x);
    var i = Math.min(N - 1, Math.max(0, lowerBound(t)));
    if (i > 0 && t - T[i - 1] < T[i] - t) { i--; }
    ch.hover = T[i];
    var parts = [K > 1 ? clock(T[i]) + '–' + clock(T[i] + K * P) : clock(T[i], P < 60)];
    ch.c.lines.forEach(function (l) {
      var s = l.label + ' ' + fmt(l.v[i]);
      if (l.lo && l.lo[i] !== null && l.lo[i] !== l.hi[i]) { s += ' (' + fmt(l.lo[i]) + '–' + fmt(l.hi[i]) + ')'; }
      parts.push(s);
    });
    var near = marksNear(ch, x);
    if (near.length) { parts.push(near.length + ' event mark' + (near.length > 1 ? 's' : '') + ': click to show in the event log'); }
    ch.read.textContent = parts.join(' · ');
    ch.canvas.style.cursor = near.length ? 'pointer' : 'crosshair';
  }
  // Show the events behind marks `list` in the event log: filter by their kind and service (when they share
  // one) and their time span, highlight their rows, scroll there. Returns the number of rows highlighted.
  function showMarks(list) {
    if (!list.length || !window.ecsimLog) { return 0; }
    var kinds = {}, svcs = {}, a = Infinity, b = -Infinity, rows = [], missing = 0;
    list.forEach(function (mi) {
      var m = marks.m[mi];
      kinds[marks.kinds[m[1]]] = 1; svcs[marks.services[m[2]]] = 1;
      a = Math.min(a, m[0]); b = Math.max(b, m[0]);
      if (m[3] >= 0) { rows.push(m[3]); } else { missing++; }
    });
    var k = Object.keys(kinds), s = Object.keys(svcs), u = window.ecsimLog.unit;
    window.ecsimLog.set({ kind: k.length === 1 ? k[0] : '*', service: s.length === 1 ? s[0] : '*', from: a / u, to: b / u });
    var n = window.ecsimLog.highlight(rows);
    note.textContent = 'Event log: ' + list.length + ' marked event' + (list.length > 1 ? 's' : '') + ' at ' +
      clock(a, true) + (b > a ? '–' + clock(b, true) : '') + (missing ? ' (' + missing + ' beyond the events this page holds)' : '') + '.';
    return n;
  }
  function attach(ch) {
    var cv = ch.canvas, drag = null;
    cv.addEventListener('mousemove', function (e) {
      var x = e.offsetX;
      if (drag) {
        var pw = cv.clientWidth - PAD.left - PAD.right;
        var dt = (drag.x - x) / pw * (drag.b - drag.a);
        if (Math.abs(drag.x - x) > 2) { drag.moved = true; }
        setView(drag.a + dt, drag.b + dt);
        redraw();
        return;
      }
      readout(ch, x);
      redraw(ch);
    });
    cv.addEventListener('mouseleave', function () { ch.hover = null; drag = null; redraw(ch); });
    cv.addEventListener('mousedown', function (e) {
      drag = { x: e.offsetX, a: view.a, b: view.b, moved: false };
      e.preventDefault();
    });
    cv.addEventListener('mouseup', function (e) {
      var wasDrag = drag && drag.moved;
      drag = null;
      if (!wasDrag) { showMarks(marksNear(ch, e.offsetX)); }
    });
    cv.addEventListener('wheel', function (e) {
      e.preventDefault();
      zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAt(ch, e.offsetX));
      redraw();
    }, { passive: false });
  }
  function button(id, f) {
    var el = document.getElementById(id);
    if (el) { el.addEventListener('click', function () { f(); drawAll(); }); }
  }
  button('z-in', function () { zoom(0.5); });
  button('z-out', function () { zoom(2); });
  button('z-left', function () { var d = (view.b - view.a) / 4; setView(view.a - d, view.b - d); });
  button('z-right', function () { var d = (view.b - view.a) / 4; setView(view.a + d, view.b + d); });
  button('z-reset', function () { setView(START, END); });

  D.charts.forEach(function (c, i) { charts.push(build(c, i)); });
  if (marks.dropped) {
    note.textContent = 'Marks: the first ' + marks.m.length + ' events only; ' + marks.dropped +
      ' later ones are not marked (events.csv has them all).';
  }
  root.setAttribute('data-charts', String(charts.length));
  drawAll();
  var resized = null;
  window.addEventListener('resize', function () {
    clearTimeout(resized);
    resized = setTimeout(drawAll, 100);
  });
  window.ecsimCharts = {
    charts: charts, view: view, zoom: zoom, setView: setView, drawAll: drawAll, showMarks: showMarks,
    marks: marks, clock: clock
  };
  if (window.performance) {
    // Drawing time, and time since the page was opened (navigation start) until it is interactive.
    root.setAttribute('data-charts-ms', String(Math.round(performance.now() - t0ms)));
    root.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  }
})();
