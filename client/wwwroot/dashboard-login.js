// Opens the Orleans Dashboard: POST /v1/dashboard/session with the admin key in header X-Api-Key sets a short-lived
// HttpOnly cookie for /dashboard, which the dashboard's own requests then carry. The key is the one typed here or
// the one the web UI keeps in this tab's sessionStorage; it is not stored by this page.
"use strict";
const field = document.getElementById("dashboard-key");
const status = document.getElementById("dashboard-status");
field.value = sessionStorage.getItem("reco.apiKey") || "";
document.getElementById("dashboard-login").addEventListener("submit", async event => {
  event.preventDefault();
  status.textContent = "";
  const response = await fetch("/v1/dashboard/session", { method: "POST", headers: { "X-Api-Key": field.value.trim() } });
  if (response.ok) { location.href = "/dashboard/"; return; }
  let detail = response.statusText;
  try { detail = (await response.json()).detail || detail; } catch { /* not JSON */ }
  status.textContent = `${response.status}: ${detail}`;
});
