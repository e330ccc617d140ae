// Progressive enhancement only: every page works without this script.
// A form marked data-submit-once is sent once: its buttons are disabled as it goes, so a double click sends
// one request. The server does not rely on it: each order form carries an idempotency key.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
  if (form.dataset.sent === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "true";
  form.setAttribute("aria-busy", "true");
  // The buttons carry no name, so disabling them changes nothing in what is sent.
  for (const button of form.querySelectorAll("button")) button.disabled = true;
});
// Back on this page from the browser's history: the form may be sent again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-submit-once]")) {
    delete form.dataset.sent;
    form.removeAttribute("aria-busy");
    for (const button of form.querySelectorAll("button")) button.disabled = false;
  }
});
