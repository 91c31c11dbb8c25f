/* django-celery-beat's periodic task form: the chosen crontab in words under its field. Upstream
 * does this in an inline script, which the Content-Security-Policy refuses
 * (templates/admin/djcelery/change_periodictask_form.html). */
(function () {
  "use strict";

  var script = document.currentScript;
  var $ = window.django.jQuery;
  var readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
  var originalHelp = script.getAttribute("data-crontab-help") || "";

  $(".field-crontab_translation").hide();
  $(".field-crontab").on("change", function () {
    var help = $(".field-crontab .help").empty();
    help.append(document.createTextNode(originalHelp), $("<br>"));
    help.append(document.createTextNode("Translation: " + (readable[$("#id_crontab").val()] || "")));
  });
})();
