// Progressive enhancement only: every screen works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // "Select all" checkboxes tick every checkbox named in data-select-all.
  document.querySelectorAll("[data-select-all]").forEach((master) => {
    const name = master.getAttribute("data-select-all");
    master.addEventListener("change", () => {
      document.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
        box.checked = master.checked;
      });
    });
  });
});
