/* The activity form (E): fields follow the chosen kind, persons are chosen among the
   chosen organisation's people only, and the duration has a start/pause timer.
   Texts come from the page (data attributes), so they are translated there. */
(function ($) {
  'use strict';

  /* Show the fields of the chosen kind only (each field lists its kinds). */
  function followKind(form) {
    var kindSelect = form.querySelector('[name="' + form.dataset.kindField + '"]');
    if (!kindSelect) { return; }
    function apply() {
      form.querySelectorAll('[data-kinds]').forEach(function (box) {
        box.hidden = box.dataset.kinds.split(' ').indexOf(kindSelect.value) < 0;
      });
    }
    $(kindSelect).on('change', apply);
    apply();
  }

  /* Persons: a select2 multiple choice filled from the persons endpoint for the chosen
     organisation; disabled while no organisation is chosen, emptied when it changes. */
  function personsChoice(input) {
    var organisation = document.getElementById(input.dataset.organisationField);
    if (!organisation || !$.fn.select2) { return; }
    var $input = $(input);
    $input.select2({
      multiple: true,
      width: '100%',
      placeholder: input.dataset.placeholder,
      minimumInputLength: 0,
      ajax: {
        url: input.dataset.url,
        dataType: 'json',
        quietMillis: 250,
        data: function (term, page) {
          return { organisation_id: organisation.value, q: term, page: page };
        },
        results: function (data) {
          return {
            results: data.results.map(function (person) {
              return { id: person.id, text: person.email ? person.name + ' (' + person.email + ')' : person.name };
            }),
            more: data.more
          };
        }
      },
      initSelection: function (element, callback) {
        callback(JSON.parse(element.attr('data-json') || '[]'));
      }
    });
    var locked = $input.closest('fieldset[disabled]').length > 0;  // a completed activity
    var hint = $input.siblings('.kontakt-persons-hint')[0];
    function enable() {
      var chosen = !!organisation.value;
      $input.select2('enable', chosen && !locked);
      if (hint) { hint.hidden = chosen; }
    }
    $(organisation).on('change', function () {
      $input.select2('data', []);
      enable();
    });
    enable();
  }

  /* The timer: counts from opening a new activity (or from Start on a saved one) and
     keeps the minutes field filled; typing minutes stops it and starts from them. */
  function timer(box) {
    var field = document.getElementById(box.dataset.target);
    var button = box.querySelector('.kontakt-timer-button');
    var clock = box.querySelector('.kontakt-timer-clock');
    if (!field || !button || !clock) { return; }
    var baseMinutes = parseInt(field.value, 10) || 0;
    var seconds = 0;
    var ticking = null;

    function show() {
      clock.textContent = Math.floor(seconds / 60) + ':' + ('0' + (seconds % 60)).slice(-2);
      button.textContent = ticking ? box.dataset.pauseLabel : box.dataset.startLabel;
    }
    function tick() {
      seconds += 1;
      field.value = baseMinutes + Math.ceil(seconds / 60);
      show();
    }
    function run(on) {
      if (on && !ticking) { ticking = window.setInterval(tick, 1000); }
      if (!on && ticking) { window.clearInterval(ticking); ticking = null; }
      show();
    }
    button.addEventListener('click', function () { run(!ticking); });
    field.addEventListener('input', function () {
      run(false);
      baseMinutes = parseInt(field.value, 10) || 0;
      seconds = 0;
      show();
    });
    run(box.dataset.running === '1');
  }

  /* Set up the activity forms inside `root` (the page, or a form fetched into it). */
  function init(root) {
    root.querySelectorAll('.kontakt-activity-form').forEach(followKind);
    root.querySelectorAll('[data-role="kontakt-persons"]').forEach(personsChoice);
    root.querySelectorAll('.kontakt-timer').forEach(timer);
  }

  window.kontaktActivityForm = { init: init };
  $(function () { init(document); });
}(window.jQuery));
