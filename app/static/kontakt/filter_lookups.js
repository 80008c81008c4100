/* Relation filters (organisation, responsible user …) carry no options in the page:
   their filter group item has type "select2-ajax" and a "lookup_url" answering
   [[id, label], …] for what is typed (views.filter_lookups). Flask-Admin's filter
   script styles such an input with its ajax select box, which reads its URL and the
   chosen record from data attributes: this sets them first. Loaded before Flask-Admin's
   form script, it wraps that script's styling when the script announces itself. */
(function ($) {
  'use strict';
  if (!$) { return; }

  function readJson(selector) {
    var text = $(selector).text();
    return text ? JSON.parse(text) : null;
  }

  function lookupOf(arg) {
    var groups = readJson('#filter-groups-data') || {};
    var found = null;
    $.each(groups, function (_name, items) {
      $.each(items, function (_i, item) {
        if (String(item.arg) === arg && item.lookup_url) { found = item; }
      });
    });
    return found;
  }

  function prepare($el) {
    var match = /^flt\d+_(.+)$/.exec($el.attr('name') || '');
    var item = match && lookupOf(match[1]);
    if (!item) { return; }
    var value = $el.val();
    var labels = readJson('#kontakt-lookup-labels') || {};
    var label = labels[item.index + '|' + value];
    $el.attr('data-url', item.lookup_url)
      .attr('data-minimum-input-length', '0')
      .attr('data-json', JSON.stringify(value && label ? [value, label] : null));
  }

  $(document).one('adminFormReady', function () {
    var form = window.faForm;
    if (!form) { return; }
    var applyStyle = form.applyStyle;
    form.applyStyle = function ($el, name) {
      if (name === 'select2-ajax' && $el.hasClass('filter-val')) { prepare($el); }
      return applyStyle.apply(this, arguments);
    };
  });
})(window.jQuery);
