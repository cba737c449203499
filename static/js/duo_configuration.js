// Progressive enhancement only: without this file Save is always enabled
// and the server still saves nothing that did not change.
// A form with data-save-when-changed keeps its [data-save-button] disabled
// until a field differs from what the page showed.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-save-when-changed]").forEach((form) => {
    const save = form.querySelector("[data-save-button]");
    if (!save || save.disabled) {
      return;
    }
    const state = () => new URLSearchParams(new FormData(form)).toString();
    const initial = state();
    const update = () => {
      save.disabled = state() === initial;
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  });
});
