/* A background job's progress page: asks the job's status every second until the job
   has ended, and shows it in the progress bar, the status line (announced to screen
   readers), the summary and the download link. All texts come from the server,
   translated there, and are inserted as text. */
(function () {
  'use strict';

  var box = document.getElementById('job-progress');
  if (!box || box.dataset.finished === 'true') { return; }
  var bar = document.getElementById('job-progress-bar');
  var status = document.getElementById('job-status');
  var summary = document.getElementById('job-summary');
  var download = document.getElementById('job-download');
  var again = document.getElementById('job-again');  // "Try again", for some kinds
  var page = document.getElementById('job-page');  // the outcome in full, for some kinds
  var INTERVAL = 1000;

  function showSummary(lines) {
    summary.textContent = '';
    lines.forEach(function (line) {
      var term = document.createElement('dt');
      term.className = 'col-sm-4';
      term.textContent = line[0];
      var value = document.createElement('dd');
      value.className = 'col-sm-8';
      value.textContent = String(line[1]);
      summary.appendChild(term);
      summary.appendChild(value);
    });
    summary.hidden = lines.length === 0;
  }

  function showDownload(url, name) {
    var link = download.querySelector('a');
    link.href = url;
    link.querySelector('span').textContent = name;
    download.hidden = false;
  }

  function show(data) {
    if (data.total) {
      bar.max = data.total;
      bar.value = data.done;
      bar.textContent = data.percent + ' %';
    } else if (data.finished) {
      bar.max = 100;
      bar.value = 100;
    } else {
      bar.removeAttribute('value');  // indeterminate: the total is not known yet
    }
    if (status.textContent !== data.message) { status.textContent = data.message; }
    status.classList.toggle('text-danger', data.state === 'failed');
    showSummary(data.summary_lines || []);
    if (data.download_url) { showDownload(data.download_url, data.result_name || ''); }
    if (again) { again.hidden = !data.may_try_again; }
    if (data.page_url) {
      page.querySelector('a').href = data.page_url;
      page.hidden = false;
    }
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: 'same-origin', cache: 'no-store',
                                   headers: { 'Accept': 'application/json' } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (!data.finished) { window.setTimeout(poll, INTERVAL); }
      })
      .catch(function () { window.setTimeout(poll, INTERVAL * 5); });  // try again later
  }

  window.setTimeout(poll, INTERVAL);
}());
