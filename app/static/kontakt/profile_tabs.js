/* The profile's tasks tab (D2): status, due time, assignee and priority edited in place.
   Each change is posted to the task list's own in-place endpoint (Flask-Admin's
   ajax/update, the same form and rules as the list); the page works without this
   script (the edit link opens the task). Texts come from the page, translated there. */
(function () {
  'use strict';

  function show(row, text, failed) {
    var message = row.querySelector('.kontakt-inplace-message');
    if (!message) { return; }
    message.textContent = text;
    message.className = 'kontakt-inplace-message d-block ' + (failed ? 'text-danger' : 'text-success');
  }

  /* datetime-local gives "2026-03-01T10:00"; the form field reads "2026-03-01 10:00". */
  function valueOf(control) {
    return control.type === 'datetime-local' ? control.value.replace('T', ' ') : control.value;
  }

  /* The control stays enabled while it saves (a disabled one would drop the keyboard's
     focus to the page); aria-busy tells that it is at work. */
  function save(table, row, control) {
    control.dataset.keyed = '';
    if (control.value === control.dataset.saved) { return; }
    var data = new FormData();
    data.append('list_form_pk', row.dataset.taskId);
    data.append(control.name, valueOf(control));
    data.append('csrf_token', table.dataset.csrfToken);
    control.setAttribute('aria-busy', 'true');
    fetch(table.dataset.updateUrl, {
      method: 'POST', body: data, credentials: 'same-origin',
      headers: { 'X-CSRFToken': table.dataset.csrfToken, 'X-Requested-With': 'XMLHttpRequest' }
    }).then(function (response) {
      return response.text().then(function (text) {
        // a refusal is the server's one-line reason; an error page (HTML) is not shown
        if (!response.ok) { throw new Error(/^\s*</.test(text) ? '' : text.trim()); }
        control.dataset.saved = control.value;
        control.classList.remove('is-invalid');
        show(row, table.dataset.savedText, false);
      });
    }).catch(function (error) {
      control.value = control.dataset.saved;  // back to what is stored
      control.classList.add('is-invalid');
      var reason = !(error instanceof TypeError) && error.message;  // not the browser's own
      show(row, reason || table.dataset.failedText, true);
    }).finally(function () {
      control.removeAttribute('aria-busy');
    });
  }

  /* A choice made with the mouse is saved at once. Made with the keyboard (ArrowDown
     steps a closed select through its options, each a "change"), it is saved on Enter
     or when the focus leaves the control, so that stepping past an option saves nothing. */
  var STEPPING_KEYS = /^(Arrow|Page|Home$|End$|Backspace$|Delete$|.$)/;

  function listen(table, row, control) {
    control.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') {
        event.preventDefault();
        save(table, row, control);
      } else if (STEPPING_KEYS.test(event.key) && !event.altKey && !event.ctrlKey && !event.metaKey) {
        control.dataset.keyed = '1';
      }
    });
    control.addEventListener('change', function () {
      if (!control.dataset.keyed) { save(table, row, control); }
    });
    control.addEventListener('blur', function () {
      if (control.dataset.keyed) { save(table, row, control); }
    });
  }

  function enable(table) {
    table.querySelectorAll('tr[data-task-id]').forEach(function (row) {
      row.querySelectorAll('.kontakt-inplace-text').forEach(function (text) { text.hidden = true; });
      row.querySelectorAll('.kontakt-inplace').forEach(function (control) {
        control.hidden = false;
        control.dataset.saved = control.value;
        listen(table, row, control);
      });
    });
  }

  var table = document.getElementById('profile-tasks');
  if (table && window.fetch && window.FormData) { enable(table); }
}());
