// mugsync van app: small progressive enhancements. Every page works without this file;
// with it: drafts save as you type, warnings show while you type, the screen locks itself
// when left alone, and buttons say what they are doing.
(function () {
  'use strict';

  var body = document.body;
  var csrf = body.getAttribute('data-csrf') || '';
  var locked = body.getAttribute('data-locked') === '1';

  function post(url, params, extraHeaders) {
    var headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
    for (var k in extraHeaders || {}) headers[k] = extraHeaders[k];
    if (!params.has('csrf')) params.append('csrf', csrf);
    return fetch(url, { method: 'POST', headers: headers, body: params.toString(), credentials: 'same-origin', redirect: 'manual' });
  }

  function hhmm() {
    var d = new Date();
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  // ---- Idle lock on screen: the server closes the store after the same time; this also
  // takes whatever was on screen away.
  var idleMs = Number(body.getAttribute('data-idle-ms') || 0);
  if (idleMs > 0 && !locked) {
    var idleTimer;
    var lockNow = function () {
      var next = location.pathname;
      post('/lock', new URLSearchParams()).finally(function () {
        location.replace('/unlock?next=' + encodeURIComponent(next));
      });
    };
    var resetIdle = function () {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(lockNow, idleMs);
    };
    ['keydown', 'pointerdown', 'input', 'wheel', 'touchstart'].forEach(function (e) {
      addEventListener(e, resetIdle, { passive: true });
    });
    resetIdle();
  }

  // ---- Forms: one submission at a time, with a word saying what is happening.
  document.querySelectorAll('form').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      var submitter = ev.submitter;
      var confirmText = (submitter && submitter.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
      if (confirmText && !window.confirm(confirmText)) {
        ev.preventDefault();
        return;
      }
      if (form.getAttribute('data-sending') === '1') {
        ev.preventDefault();
        return;
      }
      form.setAttribute('data-sending', '1');
      if (submitter && submitter.getAttribute('data-busy')) {
        // After this tick, so the button's own name and value are still sent.
        setTimeout(function () {
          submitter.textContent = submitter.getAttribute('data-busy');
          submitter.disabled = true;
        }, 0);
      }
    });
  });

  // Coming back to a page from the history: let its forms be sent again.
  addEventListener('pageshow', function (ev) {
    if (!ev.persisted) return;
    document.querySelectorAll('form[data-sending]').forEach(function (f) {
      f.removeAttribute('data-sending');
      f.querySelectorAll('button[disabled]').forEach(function (b) { b.disabled = false; });
    });
  });

  // ---- Print button on the sheet.
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  });

  // ---- Error summary: take focus so it is read out first.
  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();

  // ---- The report form.
  var form = document.getElementById('report-form');
  if (!form) return;

  // A new form gets the browser's local date (the server only knows UTC).
  if (form.getAttribute('data-fresh') === '1') {
    var dateInput = form.querySelector('[name="incident_date"]');
    if (dateInput) {
      var d = new Date();
      // Day first, as the scheme writes days (and as the server reads them).
      dateInput.value = String(d.getDate()).padStart(2, '0') + '/' + String(d.getMonth() + 1).padStart(2, '0') + '/' + d.getFullYear();
    }
  }

  // Says the typed day back in words ("Tuesday 1 December 2026"), so a month-first slip
  // (12/01 for 1 December) is seen before filing. The server reads the field the same way.
  var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
    'September', 'October', 'November', 'December'];
  var DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  function readDay(text) {
    var t = text.trim();
    var iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
    var parts = iso ? [iso[3], iso[2], iso[1]] : t.split(/[\/.\-\s,]+/).filter(Boolean);
    if (parts.length !== 3 || parts[2].length !== 4) return null;
    var day = parseInt(parts[0], 10);
    var month = parseInt(parts[1], 10);
    if (isNaN(month)) {
      var w = parts[1].toLowerCase();
      month = 0;
      MONTHS.forEach(function (m, i) {
        var l = m.toLowerCase();
        if (l === w || (w.length === 3 && l.indexOf(w) === 0)) month = i + 1;
      });
    }
    var year = parseInt(parts[2], 10);
    var d = new Date(year, month - 1, day);
    if (!month || isNaN(day) || d.getDate() !== day || d.getMonth() !== month - 1) return null;
    return d;
  }
  document.querySelectorAll('input[data-day]').forEach(function (input) {
    var said = document.createElement('p');
    said.className = 'hint day-said';
    said.id = input.id + '-said';
    said.setAttribute('aria-live', 'polite');
    input.insertAdjacentElement('afterend', said);
    function say() {
      var d = readDay(input.value);
      said.textContent = d ? DAYS[d.getDay()] + ' ' + d.getDate() + ' ' + MONTHS[d.getMonth()] + ' ' + d.getFullYear() : '';
    }
    input.addEventListener('input', say);
    say();
  });

  // Drafts: saved to the encrypted store as you type, never with the person's own details.
  var status = document.getElementById('draft-status');
  var draftTimer;
  function saveDraft() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      // form_id goes along so that a save arriving after the report was filed is ignored.
      if (name.indexOf('victim_private.') === 0 || name === 'ack_warnings') return;
      params.append(name, value);
    });
    post('/reports/draft', params, { 'X-Requested-With': 'fetch' }).then(function (r) {
      if (r.status === 204) {
        status.textContent = 'Draft saved at ' + hhmm() + '. The person\u2019s own details are never kept in drafts.';
      } else if (r.status === 423 || r.type === 'opaqueredirect') {
        status.textContent = 'The app is locked, so the draft was not saved. Filing still works: you will be asked to unlock.';
      } else {
        status.textContent = 'The draft could not be saved just now.';
      }
    }).catch(function () {
      status.textContent = 'The draft could not be saved just now.';
    });
  }
  form.addEventListener('input', function () {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(saveDraft, 800);
  });
  form.addEventListener('submit', function () {
    clearTimeout(draftTimer);
  });
  form.addEventListener('change', function () {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(saveDraft, 300);
  });

  // Warnings while typing: the same patterns as the server (src/warnings.rs).
  var CUES = ['called ', 'named ', 'name is ', 'name was ', 'name\'s ', 'goes by ', 'calls himself ', 'calls herself ', 'calls themselves ', 'known as '];
  function findPhone(text) {
    var re = /(^|[^\p{L}\p{N}])(\+?\d(?:[\d]|[ \-().+]{1,2}(?=[\d+(]))*)/gu;
    var m;
    while ((m = re.exec(text)) !== null) {
      var digits = m[2].replace(/\D/g, '');
      if (digits.length >= 9) return digits.slice(-3);
    }
    return null;
  }
  function findEmail(text) {
    return text.split(/[\s<>()[\]"',;:]+/).some(function (w) {
      var at = w.indexOf('@');
      if (at < 1) return false;
      var domain = w.slice(at + 1).replace(/[.!?]+$/, '');
      return domain.indexOf('@') < 0 && domain.split('.').filter(Boolean).length >= 2;
    });
  }
  function findName(text, known) {
    var lower = text.toLowerCase();
    for (var i = 0; i < CUES.length; i++) {
      var from = 0, at;
      while ((at = lower.indexOf(CUES[i], from)) >= 0) {
        from = at + CUES[i].length;
        if (at > 0 && /[\p{L}\p{N}]/u.test(text[at - 1])) continue;
        var m = /^[\p{L}'\u2019-]+/u.exec(text.slice(from));
        if (m && /^\p{Lu}/u.test(m[0]) && known.indexOf(m[0].toLowerCase()) < 0) return m[0];
      }
    }
    return null;
  }
  function value(name) {
    var el = form.querySelector('[name="' + name + '"]');
    return el ? el.value : '';
  }
  var labels = { narrative: 'What happened, in words', alert_text: 'Warning text' };
  var ackBox = document.getElementById('ack-box');
  function scan() {
    var known = value('perpetrator.names_used').split('\n').map(function (s) { return s.trim().toLowerCase(); }).filter(Boolean);
    var priv = [['name', value('victim_private.name')], ['contact', value('victim_private.contact')], ['address', value('victim_private.address')]];
    var any = false;
    ['narrative', 'alert_text'].forEach(function (field) {
      var text = value(field);
      var found = [];
      if (text.trim()) {
        var lower = text.toLowerCase();
        priv.forEach(function (p) {
          var v = p[1].trim();
          if (v.length >= 3 && lower.indexOf(v.toLowerCase()) >= 0) {
            found.push('holds the ' + p[0] + ' typed under \u201cStays on this device\u201d. Take it out: this text leaves the device.');
          }
        });
        var last = findPhone(text);
        if (last) found.push('seems to hold a phone number (ending ' + last + '). If it is the perpetrator\u2019s, put it under \u201cPhone numbers\u201d instead, where it can be checked without being readable; if it is the person\u2019s own, take it out.');
        if (findEmail(text)) found.push('seems to hold an email address. If it is the perpetrator\u2019s, put it under \u201cEmails\u201d instead; if it is the person\u2019s own, take it out.');
        if (field === 'narrative') {
          var name = findName(text, known);
          if (name) found.push('seems to name someone (\u201c' + name + '\u201d). If it is a name the perpetrator used, add it under \u201cNames or aliases used\u201d; if it is the name of the person it happened to, take it out.');
        }
      }
      var box = document.getElementById('warn-' + field);
      if (!box) return;
      box.textContent = '';
      if (found.length) {
        any = true;
        var h = document.createElement('p');
        h.className = 'warn-h';
        h.textContent = 'Check this before filing: \u201c' + labels[field] + '\u201d';
        var ul = document.createElement('ul');
        found.forEach(function (f) {
          var li = document.createElement('li');
          li.textContent = f;
          ul.appendChild(li);
        });
        box.appendChild(h);
        box.appendChild(ul);
      }
      box.hidden = !found.length;
    });
    if (ackBox) ackBox.hidden = !any;
  }
  var scanTimer;
  form.addEventListener('input', function (ev) {
    var n = ev.target && ev.target.name;
    if (n === 'narrative' || n === 'alert_text' || (n && (n.indexOf('victim_private.') === 0 || n === 'perpetrator.names_used'))) {
      clearTimeout(scanTimer);
      scanTimer = setTimeout(scan, 250);
    }
  });
  if (value('narrative') || value('alert_text')) scan();
})();
