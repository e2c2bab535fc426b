/* collector review: the copy button of the filing packet. No other script; no remote requests. */
"use strict";
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const status = document.getElementById("copy-status");
  const text = source ? source.value : "";
  try {
    await navigator.clipboard.writeText(text);
    if (status) status.textContent = "Copied.";
  } catch (err) {
    source.classList.remove("visually-hidden");
    source.select();
    if (status) status.textContent = "Select and copy the text below (the clipboard is not available here).";
  }
});
