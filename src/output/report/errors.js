// Runs first: every uncaught script error and every load the Content-Security-Policy blocks is counted on
// <html data-errors> and listed in #js-errors, so a browser test (and a reader) can see them in the page.
(function () {
  var list = [];
  var root = document.documentElement;
  function note(msg) {
    list.push(msg);
    root.setAttribute('data-errors', String(list.length));
    var el = document.getElementById('js-errors');
    if (el) { el.hidden = false; el.textContent = 'Script problems on this page:\n' + list.join('\n'); }
  }
  root.setAttribute('data-errors', '0');
  window.ecsimError = note;
  window.addEventListener('error', function (e) {
    note('error: ' + (e.message || 'unknown') + (e.lineno ? ' (line ' + e.lineno + ')' : ''));
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    note('blocked by the Content-Security-Policy: ' + e.blockedURI + ' (' + e.violatedDirective + ')');
  });
})();
