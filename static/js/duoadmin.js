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

// The seat table's bulk bar counts the selection as it changes; the server
// draws the same count, so without this file it is right after each page.
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.querySelector('[data-testid="bulk-selected-count"]');
  if (!bar) return;
  const all = document.getElementById("seat_select_all");
  const update = () => {
    const n = all && all.checked
      ? Number(bar.getAttribute("data-total"))
      : document.querySelectorAll('input[type=checkbox][name="user_ids"]:checked').length;
    bar.textContent = n === 1 ? "1 user selected" : `${n} users selected`;
  };
  document.addEventListener("change", (e) => {
    if (e.target.matches('input[name="user_ids"], #seat_select_all, [data-select-all]')) update();
  });
});
