(function () {
  var bar = document.getElementById('filters');
  var search = document.getElementById('search');
  var shown = document.getElementById('shown');
  var checks = Array.prototype.slice.call(document.querySelectorAll('.check'));
  function context(el, selector, heading) {
    var outer = el.closest(selector);
    var head = outer && outer.querySelector(heading);
    return head ? head.textContent + ' ' : '';
  }
  // A check matches the text filter by its own text, its control's header or its host's name.
  var texts = checks.map(function (el) {
    return (context(el, '.host', 'h2') + context(el, '.group', '.gh') + el.textContent).toLowerCase();
  });
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  function apply() {
    var wanted = {};
    each('#filters input[type=checkbox]', function (box) { wanted[box.value] = box.checked; });
    var query = search.value.trim().toLowerCase();
    var visible = 0;
    checks.forEach(function (el, i) {
      var show = wanted[el.getAttribute('data-status')] && (!query || texts[i].indexOf(query) !== -1);
      el.hidden = !show;
      if (show) visible++;
    });
    each('.group', function (group) { group.hidden = !group.querySelector('.check:not([hidden])'); });
    each('.host', function (host) {
      var none = !host.querySelector('.check:not([hidden])');
      var note = host.querySelector('.nomatch');
      if (note) note.hidden = !none;
    });
    shown.textContent = 'showing ' + visible + ' of ' + checks.length + ' checks';
  }
  bar.addEventListener('change', apply);
  search.addEventListener('input', apply);
  bar.hidden = false;
  apply();
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a.ev');
    if (!link) return;
    var body = document.getElementById(link.getAttribute('href').slice(1));
    var source = body && body.closest('details');
    if (!source) return;
    event.preventDefault();
    var item = link.closest('.cb');
    var open = item.querySelector(':scope > details.evd');
    if (open) { open.remove(); link.setAttribute('aria-expanded', 'false'); return; }
    var copy = source.cloneNode(true);
    copy.querySelector('.evb').removeAttribute('id');
    copy.open = true;
    item.appendChild(copy);
    link.setAttribute('aria-expanded', 'true');
  });
})();
