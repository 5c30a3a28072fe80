// The browser test's hook, inert unless the address ends in '#selftest=STEPS' (steps separated by ';'):
//   filter:s=SERVICE&k=KIND&a=FROM&b=TO&q=TEXT  set the event-log filter, record the rows shown
//   zoom                                         full span, after the zoom-in button, after a wheel-in on the
//                                                first chart, after the reset button (seconds)
//   mark                                         click the first scaling mark (else any) that has a log row:
//                                                kind, service, rows highlighted and the rows' kinds
//   sort:TABLE_ID:COLUMN                         click the header twice: the first column's order each time
//   vfilter:TEXT                                 type TEXT into the variant filter, record variants shown
// Results go to an output element #selftest as data-* attributes (lists joined by '|'); the page's width at
// the end to <html data-scroll-width data-client-width>.
(function () {
  'use strict';
  var h = window.location.hash;
  if (h.indexOf('#selftest=') !== 0) { return; }
  var root = document.documentElement;
  var out = document.createElement('output');
  out.id = 'selftest';
  document.body.appendChild(out);
  function put(name, value) {
    var old = out.getAttribute('data-' + name);
    out.setAttribute('data-' + name, old === null ? String(value) : old + '|' + value);
  }
  function params(s) {
    var p = {};
    s.split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i > 0) { p[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); }
    });
    return p;
  }
  function span() { var v = window.ecsimCharts.view; return Math.round(v.b - v.a); }
  function mouse(el, type, x) {
    var r = el.getBoundingClientRect();
    el.dispatchEvent(new MouseEvent(type, { bubbles: true, clientX: r.left + x, clientY: r.top + 20 }));
  }
  var steps = {
    filter: function (arg) {
      var p = params(arg);
      window.ecsimLog.set({ service: p.s || '*', kind: p.k || '*', from: parseFloat(p.a), to: parseFloat(p.b), text: p.q });
      put('filter', window.ecsimLog.shown());
    },
    zoom: function () {
      var C = window.ecsimCharts;
      put('zoom', span());
      document.getElementById('z-in').click();
      put('zoom', span());
      var cv = C.charts[0].canvas, r = cv.getBoundingClientRect();
      cv.dispatchEvent(new WheelEvent('wheel', { deltaY: -100, bubbles: true, cancelable: true, clientX: r.left + r.width / 2, clientY: r.top + 20 }));
      put('zoom', span());
      document.getElementById('z-reset').click();
      put('zoom', span());
    },
    mark: function () {
      // The first scaling mark with a log row, else the first mark with one.
      var C = window.ecsimCharts, m = C.marks.m, first = -1;
      for (var i = 0; i !== m.length; i++) {
        if (m[i][3] < 0) { continue; }
        if (first < 0) { first = i; }
        if (C.marks.kinds[m[i][1]] === 'scaling') { first = i; break; }
      }
      if (first < 0) { put('mark', 'none'); return; }
      var t = m[first][0];
      C.setView(t - 1800, t + 1800);
      C.drawAll();
      var ch = null, x = 0;
      C.charts.forEach(function (c) {
        c.markX.forEach(function (p) { if (!ch && p[1] === first) { ch = c; x = p[0]; } });
      });
      if (!ch) { put('mark', 'not drawn'); return; }
      mouse(ch.canvas, 'mousedown', x);
      mouse(ch.canvas, 'mouseup', x);
      var hl = document.querySelectorAll('#events tr.hl'), kinds = [];
      for (var j = 0; j !== hl.length; j++) { kinds.push(hl[j].getAttribute('data-k')); }
      put('mark', C.marks.kinds[m[first][1]] + ' ' + (C.marks.services[m[first][2]] || '-') + ' ' + hl.length + ' ' +
        kinds.join(',') + ' ' + document.getElementById('f-kind').value + ' ' + window.ecsimLog.shown());
      document.getElementById('z-reset').click();
    },
    sort: function (arg) {
      var a = arg.split(':'), table = document.getElementById(a[0]);
      var th = table.tHead.rows[0].cells[Number(a[1])];
      for (var k = 0; k !== 2; k++) {
        th.click();
        var order = Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[Number(a[1])].textContent; });
        put('sort', order.join(','));
      }
    },
    vfilter: function (arg) {
      var box = document.getElementById('v-filter');
      box.value = arg;
      box.dispatchEvent(new Event('input'));
      put('vfilter', document.querySelectorAll('#variants tr[data-variant]:not([hidden])').length);
    }
  };
  h.slice('#selftest='.length).split(';').forEach(function (step) {
    if (!step) { return; }
    var i = step.indexOf(':'), name = i < 0 ? step : step.slice(0, i), arg = i < 0 ? '' : step.slice(i + 1);
    try {
      steps[name](arg);
    } catch (e) {
      if (window.ecsimError) { window.ecsimError('selftest ' + name + ': ' + e); }
    }
  });
  root.setAttribute('data-scroll-width', String(root.scrollWidth));
  root.setAttribute('data-client-width', String(root.clientWidth));
  out.setAttribute('data-done', '1');
})();
