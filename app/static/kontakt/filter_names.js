/* Flask-Admin's filter script (admin/js/bs4_filters.js) adds an active filter's row
   with `.append(name)`, which jQuery parses as HTML, and a filter's name is the label
   of a field that a tenant's administrator writes. Loaded before that script, this
   makes the name of a filter row go into the page as text. Everything else appended
   keeps jQuery's behaviour (the row's own markup, and its "&nbsp;" spacer). */
(function ($) {
  'use strict';
  if (!$) { return; }
  var append = $.fn.append;
  $.fn.append = function (content) {
    if (arguments.length === 1 && typeof content === 'string' && content !== '&nbsp;' &&
        this.is('a.remove-filter')) {
      return append.call(this, document.createTextNode(content));
    }
    return append.apply(this, arguments);
  };
})(window.jQuery);
