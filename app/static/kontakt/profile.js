/* The contact profile (D1): master-data panels edited in place. A pen fetches the
   panel's form, the form is posted with fetch, and the answer (the read-only panel,
   or the form with its errors) takes the panel's place: no page reload. Without this
   script the pens are plain links to a page with the same form.
   Texts come from the page (data attributes), so they are translated there. */
(function () {
  'use strict';

  var root = document.getElementById('kontakt-profile');
  if (!root || !window.fetch || !window.FormData || !Element.prototype.closest) { return; }
  var HEADERS = { 'X-Requested-With': 'XMLHttpRequest' };  // the server answers a fragment
  var originals = {};  // panel id -> its read-only HTML, put back on "Cancel"

  /* On a phone the master data would push the tabs thousands of pixels down: there
     each panel folds to its heading, made a button that unfolds it (a panel being
     edited or just saved stays open). */
  var narrow = window.matchMedia && window.matchMedia('(max-width: 991.98px)');

  function setOpen(panel, open) {
    var toggle = panel.querySelector('[data-panel-toggle]');
    var body = panel.querySelector('.card-body');
    if (!toggle || !body) { return; }
    toggle.setAttribute('aria-expanded', String(open));
    body.hidden = !open;
  }

  function foldable(panel, open) {
    var heading = panel.querySelector('.card-header h2');
    var body = panel.querySelector('.card-body');
    if (!narrow || !narrow.matches || !heading || !body || !panel.closest('#profile-master') ||
        heading.querySelector('[data-panel-toggle]')) { return; }
    var toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'btn btn-link p-0 text-left text-reset font-weight-bold kontakt-panel-toggle';
    toggle.setAttribute('data-panel-toggle', '');
    while (heading.firstChild) { toggle.appendChild(heading.firstChild); }
    heading.appendChild(toggle);
    body.id = body.id || panel.id + '-body';
    toggle.setAttribute('aria-controls', body.id);
    setOpen(panel, open);
  }

  /* Wide again (a turned tablet, a widened window): the heading is a heading again and
     the panel open, as on a desk. */
  function unfold(panel) {
    var toggle = panel.querySelector('[data-panel-toggle]');
    var body = panel.querySelector('.card-body');
    if (!toggle) { return; }
    var heading = toggle.parentNode;
    while (toggle.firstChild) { heading.insertBefore(toggle.firstChild, toggle); }
    heading.removeChild(toggle);
    if (body) { body.hidden = false; }
  }

  /* Put the HTML of a panel in place of `panel`; returns the new panel element. */
  function replacePanel(panel, html) {
    var holder = document.createElement('div');
    holder.innerHTML = html;
    var fresh = holder.querySelector('[data-panel]');
    if (!fresh) { return null; }
    panel.parentNode.replaceChild(fresh, panel);
    foldable(fresh, true);
    if (window.faForm) { window.faForm.applyGlobalStyles(fresh); }  // select2, date pickers
    return fresh;
  }

  function showFailure(panel) {
    var body = panel.querySelector('.card-body') || panel;
    var old = body.querySelector('[data-panel-failure]');
    if (old) { old.remove(); }
    var alert = document.createElement('div');
    alert.className = 'alert alert-danger py-2';
    alert.setAttribute('role', 'alert');
    alert.setAttribute('data-panel-failure', '');
    alert.textContent = root.dataset.failedText;
    body.insertBefore(alert, body.firstChild);
  }

  function focusPen(panel) {
    var pen = panel && panel.querySelector('[data-panel-edit]');
    if (pen) { pen.focus(); }
  }

  /* The first field a person can type in (not one a widget hid behind its own). */
  function focusFirstInput(container) {
    var fields = container.querySelectorAll('input:not([type=hidden]), select, textarea');
    for (var i = 0; i < fields.length; i += 1) {
      if (!fields[i].disabled && fields[i].getClientRects().length) {
        fields[i].focus();
        if (document.activeElement === fields[i]) { return; }
      }
    }
  }

  /* Answers 200 (a panel) and 422 (the form with errors) take the panel's place. */
  function load(panel, url, options) {
    return fetch(url, options).then(function (response) {
      if (response.status !== 200 && response.status !== 422) { throw new Error(response.status); }
      return response.text();
    }).then(function (html) {
      var fresh = replacePanel(panel, html);
      if (!fresh) { throw new Error('no panel'); }
      return fresh;
    });
  }

  function openEditor(panel, url) {
    originals[panel.id] = panel.outerHTML;
    load(panel, url, { headers: HEADERS, credentials: 'same-origin' })
      .then(focusFirstInput)
      .catch(function () { window.location.href = url; });  // the page with the form
  }

  /* What posting the form sends: its fields, with its CSRF token also as a header. */
  function posting(form) {
    var headers = { 'X-Requested-With': HEADERS['X-Requested-With'] };
    var token = form.querySelector('[name=csrf_token]');
    if (token) { headers['X-CSRFToken'] = token.value; }
    return { method: 'POST', body: new FormData(form), headers: headers,
             credentials: 'same-origin' };
  }

  function submit(form) {
    var panel = form.closest('[data-panel]');
    var button = form.querySelector('[type=submit]');
    if (button) { button.disabled = true; }
    load(panel, form.action, posting(form)).then(function (fresh) {
      if (fresh.querySelector('[data-panel-form]')) {
        focusFirstInput(fresh);  // refused: the errors are in the form
      } else {
        focusPen(fresh);  // saved: keep the keyboard where it was
      }
    }).catch(function () {
      if (button) {
        button.disabled = false;
        button.focus();  // disabling it had dropped the focus
      }
      showFailure(panel);
    });
  }

  function masterPanels() { return root.querySelectorAll('#profile-master [data-panel]'); }
  Array.prototype.forEach.call(masterPanels(), function (panel) { foldable(panel, false); });
  if (narrow && narrow.addEventListener) {
    narrow.addEventListener('change', function () {
      Array.prototype.forEach.call(masterPanels(), function (panel) {
        if (narrow.matches) { foldable(panel, false); } else { unfold(panel); }
      });
    });
  }

  root.addEventListener('click', function (event) {
    var toggle = event.target.closest('[data-panel-toggle]');
    if (toggle) {
      var folded = toggle.closest('[data-panel]');
      setOpen(folded, toggle.getAttribute('aria-expanded') !== 'true');
      return;
    }
    var pen = event.target.closest('[data-panel-edit]');
    if (pen) {
      event.preventDefault();
      openEditor(pen.closest('[data-panel]'), pen.href);
      return;
    }
    var cancel = event.target.closest('[data-panel-cancel]');
    var panel = cancel && cancel.closest('[data-panel]');
    if (panel && originals[panel.id]) {
      event.preventDefault();
      focusPen(replacePanel(panel, originals[panel.id]));  // back where editing began
    }
  });

  root.addEventListener('submit', function (event) {
    var form = event.target.closest('[data-panel-form]');
    if (form) {
      event.preventDefault();
      submit(form);
    }
  });

  /* Action bar: the form of a note, meeting, e-mail, call or letter opens inside the
     profile. Saved, the server names the page to go to (the profile, shown again with
     the new activity and the messages about it); refused, the form comes back with
     its errors. A link inside the form back to this page just closes the dialog. */
  var modal = document.getElementById('profile-activity-modal');
  var modalBody = modal && modal.querySelector('[data-activity-body]');

  function showActivityForm(html) {
    modalBody.innerHTML = html;
    if (window.faForm) { window.faForm.applyGlobalStyles(modalBody); }
    if (window.kontaktActivityForm) { window.kontaktActivityForm.init(modalBody); }
    var form = modalBody.querySelector('form');
    if (form) { form.addEventListener('submit', sendActivityForm); }
  }

  function sendActivityForm(event) {
    event.preventDefault();
    var form = event.target;
    fetch(form.action, posting(form))
      .then(function (response) {
        var location = response.headers.get('X-Kontakt-Location');
        if (location) {
          window.location.href = location;  // saved
          return null;
        }
        if (!response.ok && response.status !== 422) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) { if (html !== null) { showActivityForm(html); } })
      .catch(function () { showFailure(modalBody); });  // what was typed stays
  }

  if (modal && window.jQuery) {
    /* Bootstrap moves the focus into the dialog, not back out of it: the first field
       takes it when the dialog has opened (unless the person is in a field of the form
       already: the form may arrive before the opening ends), the button that opened it
       when it closes. */
    var opener = null;
    window.jQuery(modal).on('shown.bs.modal', function () {
      if (!modalBody.contains(document.activeElement)) { focusFirstInput(modalBody); }
    });
    window.jQuery(modal).on('hidden.bs.modal', function () {
      if (opener && document.body.contains(opener)) { opener.focus(); }
      opener = null;
    });
    modal.addEventListener('click', function (event) {
      var link = event.target.closest('a[href]');
      if (link && link.pathname === window.location.pathname && !link.hash) {
        event.preventDefault();  // "Cancel": back to the profile, which is right here
        window.jQuery(modal).modal('hide');
      }
    });
    document.addEventListener('click', function (event) {
      var link = event.target.closest('[data-activity-form]');
      if (!link) { return; }
      event.preventDefault();
      fetch(link.dataset.activityForm, { headers: HEADERS, credentials: 'same-origin' })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.text();
        })
        .then(function (html) {
          modal.querySelector('.modal-title').textContent = link.dataset.title;
          opener = link;
          showActivityForm(html);
          window.jQuery(modal).modal('show');
        })
        .catch(function () { window.location.href = link.href; });  // its own page
    });
  }
}());
