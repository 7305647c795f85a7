// The OrleansReco demo UI: plain JavaScript over the gateway's HTTP API (see /docs).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { user: null, offset: 0, limit: 20, lastRecommendations: [] };

// The key comes from the URL fragment (#key=...), printed by `reco demo`, or from what was typed in this tab. It is
// kept in sessionStorage only (gone when the tab closes), never in localStorage; a key an older page left there is removed.
localStorage.removeItem("reco.apiKey");
const fragmentKey = new URLSearchParams(location.hash.slice(1)).get("key");
if (fragmentKey) { sessionStorage.setItem("reco.apiKey", fragmentKey); history.replaceState(null, "", location.pathname + location.search); }
$("api-key").value = sessionStorage.getItem("reco.apiKey") || "";
$("api-key").addEventListener("change", () => sessionStorage.setItem("reco.apiKey", $("api-key").value.trim()));

function setStatus(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

async function api(method, path, body) {
  const headers = { "X-Api-Key": $("api-key").value.trim() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const detail = data && (data.detail || data.title) ? (data.detail || data.title) : response.statusText;
    const fields = data && data.errors ? " " + Object.entries(data.errors).map(([k, v]) => `${k}: ${v.join(" ")}`).join("; ") : "";
    throw new Error(`${response.status} ${detail}${fields}`);
  }
  return data;
}

// The fields worth a glance, when an item has them; otherwise every field.
const SHOWN = ["title", "category", "product_type", "brand", "price", "group"];

function describe(features) {
  if (!features) return "";
  const entries = Object.entries(features);
  const shown = entries.filter(([k]) => SHOWN.includes(k));
  return (shown.length ? shown : entries).map(([k, v]) => `${k}: ${v}`).join(" · ");
}

// Recommendations carry ids and scores; the catalogue fills in what each item is.
async function fillDetails(list) {
  await Promise.all([...list.querySelectorAll("li")].map(async (node) => {
    try {
      const item = await api("GET", `/v1/items/${encodeURIComponent(node.dataset.itemId)}`);
      node.querySelector(".item-features").textContent = describe(item.features);
    } catch (error) {
      // An item removed meanwhile keeps just its id.
    }
  }));
}

function renderItems(list, items, options) {
  list.replaceChildren();
  const template = $("item-template");
  for (const item of items) {
    const node = template.content.firstElementChild.cloneNode(true);
    node.dataset.itemId = item.item_id;
    node.querySelector(".item-id").textContent = item.item_id;
    node.querySelector(".score").textContent = item.score === undefined || item.score === null ? "" : Number(item.score).toFixed(4);
    node.querySelector(".item-features").textContent = describe(item.features || (item.group ? { group: item.group } : null));
    if (options && options.previous && !options.previous.includes(item.item_id)) node.classList.add("new");
    for (const button of node.querySelectorAll(".actions button"))
      button.addEventListener("click", () => sendEvent(item.item_id, button.dataset.type));
    list.appendChild(node);
  }
}

async function loadUser(userId) {
  state.user = userId;
  $("user-id").value = userId;
  setStatus(`loading ${userId}…`);
  try {
    const [profile, recommendations] = await Promise.all([
      api("GET", `/v1/users/${encodeURIComponent(userId)}`).catch(() => null),
      api("GET", `/v1/users/${encodeURIComponent(userId)}/recommendations?k=10`),
    ]);
    const history = profile && profile.history ? profile.history : [];
    $("user-summary").textContent = profile
      ? `${profile.event_count ?? history.length} events · profile: ${describe(profile.profile) || "none"}`
      : "new user (no history yet)";
    const historyList = $("history");
    historyList.replaceChildren();
    for (const e of history.slice().reverse()) {
      const li = document.createElement("li");
      li.textContent = `${e.type} ${e.item_id}`;
      historyList.appendChild(li);
    }
    const ids = recommendations.items.map((i) => i.item_id);
    renderItems($("recommendations"), recommendations.items, { previous: state.lastRecommendations.length ? state.lastRecommendations : null });
    fillDetails($("recommendations"));
    state.lastRecommendations = ids;
    $("model-version").textContent = `model ${recommendations.model_version}${recommendations.partial ? " (partial)" : ""}`;
    setStatus(`${userId}: ${ids.length} recommendations`);
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function sendEvent(itemId, type) {
  if (!state.user) { setStatus("load or create a user first", true); return; }
  try {
    const eventId = `web-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
    await api("POST", "/v1/events", { events: [{ event_id: eventId, user_id: state.user, item_id: itemId, type }] });
    setStatus(`${type} ${itemId} recorded`);
    await loadUser(state.user);
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function browse() {
  const category = $("category").value.trim();
  const query = new URLSearchParams({ limit: state.limit, offset: state.offset });
  if (category) query.set("category", category);
  try {
    const page = await api("GET", `/v1/items?${query}`);
    renderItems($("catalogue"), page.items, null);
    const total = page.total ?? page.items.length;
    $("page-info").textContent = `${Math.min(total, state.offset + 1)}–${Math.min(total, state.offset + page.items.length)} of ${total}`;
  } catch (error) {
    setStatus(error.message, true);
  }
}

async function refreshModel() {
  try {
    const model = await api("GET", "/v1/model");
    const current = model.current;
    const trainer = model.trainer;
    const lines = [];
    lines.push(current ? `current: ${current.version}\npublished by ${current.published_by} at ${current.published_at}` : "no model published yet");
    if (current && current.metrics) lines.push(Object.entries(current.metrics).map(([k, v]) => `  ${k}: ${typeof v === "number" ? +v.toFixed(4) : v}`).join("\n"));
    if (trainer && trainer.current) lines.push(`training: ${trainer.current.run_id} (running)`);
    if (trainer && trainer.recent && trainer.recent.length) {
      const last = trainer.recent[0];
      lines.push(`last run ${last.run_id}: ${last.state}${last.reason ? " — " + last.reason : ""}`);
    }
    const pre = document.createElement("pre");
    pre.textContent = lines.join("\n\n");
    $("model").replaceChildren(pre);
  } catch (error) {
    $("model").textContent = error.message;
  }
}

$("user-form").addEventListener("submit", (e) => { e.preventDefault(); state.lastRecommendations = []; loadUser($("user-id").value.trim()); });
$("new-user").addEventListener("click", () => { state.lastRecommendations = []; loadUser(`web-${Math.random().toString(36).slice(2, 10)}`); });
$("browse-form").addEventListener("submit", (e) => { e.preventDefault(); state.offset = 0; browse(); });
$("prev-page").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); browse(); });
$("next-page").addEventListener("click", () => { state.offset += state.limit; browse(); });
$("refresh-model").addEventListener("click", refreshModel);
$("retrain").addEventListener("click", async () => {
  try {
    const run = await api("POST", "/v1/model/retrain");
    setStatus(`training ${run.run_id ?? ""} started`);
    refreshModel();
  } catch (error) {
    setStatus(error.message, true);
  }
});

const initialUser = new URLSearchParams(location.search).get("user");
if (initialUser) loadUser(initialUser);
browse();
refreshModel();
