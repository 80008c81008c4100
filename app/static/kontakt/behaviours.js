/* What the pages' markup asks for with data attributes, in place of inline event
   handlers (onclick=…) and javascript: links, which the Content-Security-Policy does
   not run (app/security.py rewrites Flask-Admin's templates into these attributes):
   - a[href="#"]                 a link that only carries a script's behaviour: stays put
   - [data-confirm]              a button or form that asks before it submits
   - [data-model-action]         a list's "With selected" action
   - [data-add-inline-field]     "Add" under a form's inline list (employments)
   - [data-select-on-focus]      an input whose text is selected when it gets focus
   - [data-colour]               a tag's colour (the policy refuses style attributes) */
(function () {
  'use strict';

  function confirmed(element) {
    return window.faHelpers ? window.faHelpers.safeConfirm(element.dataset.confirm)
                            : window.confirm(element.dataset.confirm);
  }

  document.addEventListener('click', function (event) {
    if (!event.target.closest) { return; }
    var button = event.target.closest('button[data-confirm], input[data-confirm]');
    if (button && !confirmed(button)) {
      event.preventDefault();
      return;
    }
    var action = event.target.closest('[data-model-action]');
    if (action && window.modelActions) {
      event.preventDefault();
      window.modelActions.execute(action.dataset.modelAction);
      return;
    }
    var add = event.target.closest('[data-add-inline-field]');
    if (add && window.faForm) {
      event.preventDefault();
      window.faForm.addInlineField(add, add.dataset.addInlineField);
      return;
    }
    if (event.target.closest('a[href="#"]')) { event.preventDefault(); }
  });

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.matches && form.matches('form[data-confirm]') && !confirmed(form)) {
      event.preventDefault();
      event.stopImmediatePropagation();  // nor is it sent by another script
    }
  }, true);

  document.addEventListener('focusin', function (event) {
    if (event.target.matches && event.target.matches('[data-select-on-focus]')) {
      event.target.select();
    }
  });

  var refused = document.querySelector('.kontakt-error-summary');
  if (refused) { refused.focus(); }  // a form sent back: its errors are read out first

  Array.prototype.forEach.call(document.querySelectorAll('[data-colour]'), function (tag) {
    tag.style.backgroundColor = tag.dataset.colour;  // set through the DOM: allowed
  });

  /* x-editable (the lists' in-place edits) reads its JSON-looking data attributes
     (a select's choices) with `new Function`, which the policy refuses as eval: the
     server writes them as JSON, so JSON.parse reads them the same. */
  var texts = document.body.dataset;
  var jq = window.jQuery;
  /* A list's in-place editors name their choices (data-source-ref): each list of
     choices is written once on the page, not in every row. x-editable reads them from
     data-source when Flask-Admin opens the editors (the page ready, after this). */
  Array.prototype.forEach.call(document.querySelectorAll('[data-source-ref]'), function (editor) {
    var choices = document.getElementById(editor.getAttribute('data-source-ref'));
    if (choices) { editor.setAttribute('data-source', choices.textContent); }
  });
  /* Flask-Admin opens its date pickers (when the page is ready, after this script) with
     English month and day names and a week from Sunday: every picker gets the
     language's names, first weekday and buttons (body's data-date-picker). */
  if (jq && jq.fn.daterangepicker && texts.datePicker) {
    var pickerTexts = JSON.parse(texts.datePicker);
    var openPicker = jq.fn.daterangepicker;
    jq.fn.daterangepicker = function (options, callback) {
      var localised = jq.extend({}, options || {});
      localised.locale = jq.extend({}, pickerTexts, localised.locale || {});
      if (this.is('.filter-val')) {  // a list filter, which Flask-Admin gives ISO formats
        if (localised.format === 'YYYY-MM-DD') { localised.format = pickerTexts.dateFormat; }
        if (localised.format === 'YYYY-MM-DD HH:mm:ss') { localised.format = pickerTexts.dateTimeFormat; }
        if (localised.separator) { localised.separator = pickerTexts.separator; }
      }
      return openPicker.call(this, localised, callback);
    };
  }
  if (jq && jq.fn.editable) {  // Flask-Admin's in-place date lists stop at the year 2030
    var openEditable = jq.fn.editable;
    jq.fn.editable = function (options) {
      if (options && typeof options === 'object' && options.combodate) {
        var thisYear = new Date().getFullYear();
        options = jq.extend({}, options, {
          combodate: jq.extend({}, options.combodate, {minYear: thisYear - 100, maxYear: thisYear + 20})
        });
      }
      return openEditable.apply(this, options === undefined ? arguments : [options].concat(Array.prototype.slice.call(arguments, 1)));
    };
    jq.extend(jq.fn.editable, openEditable);
  }
  if (jq && jq.fn.editable && texts.textEmpty) {  // in place of x-editable's "Empty"
    jq.fn.editable.defaults.emptytext = texts.textEmpty;
  }
  if (jq && jq.fn.select2 && texts.textNoMatches) {  // select2 3.5 speaks English only
    jq.extend(jq.fn.select2.defaults, {
      formatNoMatches: function () { return texts.textNoMatches; },
      formatSearching: function () { return texts.textSearching; },
      formatLoadMore: function () { return texts.textLoadMore; }
    });
  }

  /* select2 3.5 draws a chosen value's remove cross as an empty link: name it (as it
     is drawn, whenever a value is chosen) for a screen reader. */
  function nameRemoveLinks(root) {
    if (!root.querySelectorAll) { return; }
    Array.prototype.forEach.call(root.querySelectorAll('.select2-search-choice-close:not([aria-label])'),
      function (link) { link.setAttribute('aria-label', texts.textRemove); });
  }
  if (jq && jq.fn.select2 && texts.textRemove && window.MutationObserver) {
    nameRemoveLinks(document.body);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        Array.prototype.forEach.call(change.addedNodes, function (node) {
          if (node.nodeType === 1) { nameRemoveLinks(node.parentNode || node); }
        });
      });
    }).observe(document.body, {childList: true, subtree: true});
  }

  var editable = window.jQuery && window.jQuery.fn.editableutils;
  if (editable) {
    editable.tryParseJson = function (text, safe) {
      if (typeof text === 'string' && /^[\{\[].*[\}\]]$/.test(text)) {
        try {
          return JSON.parse(text);
        } catch (error) {
          if (!safe) { throw error; }
        }
      }
      return text;
    };
  }
}());
