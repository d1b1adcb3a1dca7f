// Imports page: the column mapping of generic files, the source field of order
// formats, and every refused request explained on the page. htmx leaves a 4xx/5xx
// answer unshown; here its message is put where the user looked, in plain words.
// No inline scripts: the Content-Security-Policy forbids them.
"use strict";

// The text of a refused answer: our fragments' alert, an error page's message, a
// problem+json detail, or the plain text.
function refusalMessage(xhr) {
  const type = xhr.getResponseHeader("content-type") || "";
  const text = xhr.responseText || "";
  if (type.includes("json")) {
    try {
      const problem = JSON.parse(text);
      return problem.detail || problem.title || text;
    } catch (error) {
      return text;
    }
  }
  if (type.includes("html")) {
    const doc = new DOMParser().parseFromString(text, "text/html");
    const node = doc.querySelector("[role=alert]") || doc.querySelector("main .card p") || doc.body;
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }
  return text.trim();
}

function alertBox(message) {
  const box = document.createElement("div");
  box.className = "job failed";
  box.setAttribute("role", "alert");
  box.textContent = message;
  return box;
}

// Swap a refused answer too, as an alert holding its message (never its markup).
function showRefusals(event) {
  const xhr = event.detail.xhr;
  if (!xhr || xhr.status < 400) return;
  const status = xhr.status + (xhr.statusText ? " " + xhr.statusText : "");
  const message = refusalMessage(xhr) || "the server refused the request (" + status + ")";
  event.detail.shouldSwap = true;
  event.detail.isError = false;
  event.detail.serverResponse = alertBox(message).outerHTML;
}

// No answer at all: say so where the answer would have gone.
function showSendErrors(event) {
  const target = event.detail.target || document.getElementById("job");
  if (target) {
    target.replaceChildren(alertBox("The server did not answer: is TradePilot still running? Reload the page and try again."));
  }
}

function followFormat() {
  const select = document.getElementById("format");
  if (!select) return;
  const option = select.options[select.selectedIndex];
  document.getElementById("mapping-fields").hidden = select.value !== "generic";
  const orders = option && option.dataset.orders === "yes";
  document.getElementById("source-field").hidden = !orders;
  document.getElementById("source-hint").hidden = !orders;
}

// Reading the columns needs the file: say so instead of sending nothing.
function needFileFirst(event) {
  if (event.detail.elt.id !== "read-columns") return;
  const file = document.getElementById("file");
  if (file && file.files.length === 0) {
    event.preventDefault();
    document.getElementById("mapping-builder").replaceChildren(alertBox("Choose the file first, then read its columns."));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("format");
  if (!select) return;
  select.addEventListener("change", followFormat);
  followFormat();
  document.body.addEventListener("htmx:beforeSwap", showRefusals);
  document.body.addEventListener("htmx:sendError", showSendErrors);
  document.body.addEventListener("htmx:beforeRequest", needFileFirst);
});
