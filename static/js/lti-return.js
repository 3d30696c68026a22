// Deep linking: send the chosen scenarios back to the platform at once. The form and its
// button work without this script; it only saves the click.
const form = document.querySelector("form.js-lti-autosubmit");
if (form && !form.dataset.sent) {
  form.dataset.sent = "1";
  form.requestSubmit();
}
