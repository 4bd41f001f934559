// annal label: the page's behaviour. Plain JavaScript, no build step.
// Texts are only ever shown with textContent, never as HTML.
"use strict";

const token = document.querySelector('meta[name="csrf-token"]').content;
const client = (() => {
  // One id per tab, kept across reloads of that tab so it gets back the rows it holds.
  let id = sessionStorage.getItem("annal-client");
  if (!id) {
    id = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
    sessionStorage.setItem("annal-client", id);
  }
  return id;
})();

const state = { batch: [], pos: 0, labels: [], stats: null, round: null, chain: Promise.resolve(), pending: 0 };
const $ = (id) => document.getElementById(id);

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function call(method, path, body) {
  const opts = { method, headers: {} };
  if (method !== "GET") {
    opts.headers["Content-Type"] = "application/json";
    opts.headers["X-CSRF-Token"] = token;
    opts.body = JSON.stringify(body || {});
  }
  const resp = await fetch(path, opts);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.error || `${resp.status} ${resp.statusText}`);
  return data;
}

// Writes run one after another, in the order the keys were pressed.
function enqueue(action) {
  state.pending += 1;
  renderSaveState();
  state.chain = state.chain
    .then(action)
    .then(() => showError(""))
    .catch((err) => showError(err.message))
    .finally(() => {
      state.pending -= 1;
      renderSaveState();
      if (!current()) renderItem();
    });
  return state.chain;
}

function renderSaveState() {
  const el = $("save-state");
  el.dataset.pending = String(state.pending);
  el.textContent = state.pending ? "saving…" : "saved";
}

function current() {
  return state.batch[state.pos] || null;
}

function renderButtons() {
  const box = $("buttons");
  box.replaceChildren();
  state.labels.forEach((name, i) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "label-button";
    b.dataset.label = name;
    if (i < 9) {
      const k = document.createElement("kbd");
      k.textContent = String(i + 1);
      b.append(k, " ");
    }
    b.append(name);
    b.addEventListener("click", () => labelCurrent(name));
    box.append(b);
  });
  const from = $("rename-from");
  from.replaceChildren(...state.labels.map((n) => new Option(n, n)));
}

function renderItem() {
  const item = current();
  const text = $("text");
  if (!item) {
    text.textContent = state.pending
      ? "Loading…"
      : "Nothing left to label here. Search below, or wait for the next batch.";
    text.classList.add("empty");
    $("item-id").textContent = "";
    $("item-pos").textContent = "";
    $("suggestion").textContent = "";
    document.querySelectorAll(".label-button").forEach((b) => b.classList.remove("suggested", "chosen"));
    return;
  }
  text.classList.remove("empty");
  text.textContent = item.text;
  text.dataset.item = String(item.id);
  $("item-id").textContent = `id ${item.ext_id}`;
  $("item-pos").textContent = `· ${state.pos + 1} of ${state.batch.length} in your batch`;
  const sug = $("suggestion");
  if (item.suggestion && item.proba !== null) {
    sug.textContent = `model suggests ${item.suggestion} (${Math.round(item.proba * 100)}%)`;
  } else {
    sug.textContent = "";
  }
  document.querySelectorAll(".label-button").forEach((b) => {
    b.classList.toggle("suggested", !item.label && b.dataset.label === item.suggestion);
    b.classList.toggle("chosen", b.dataset.label === item.label);
  });
}

function fmt(x) {
  return x === null || x === undefined ? "–" : x.toFixed(2);
}

function renderStats(stats) {
  state.stats = stats;
  if (JSON.stringify(stats.labels) !== JSON.stringify(state.labels)) {
    state.labels = stats.labels;
    renderButtons();
    renderItem();
  }
  $("n-labelled").textContent = stats.n_labelled;
  $("n-items").textContent = stats.n_items;
  $("n-skipped").textContent = stats.n_skipped;
  $("rate").textContent = stats.labels_per_minute.toFixed(1);
  $("covered").textContent = stats.classes_covered;
  $("n-classes").textContent = stats.n_classes;
  const max = Math.max(1, ...Object.values(stats.histogram));
  const table = $("histogram");
  table.replaceChildren();
  for (const [label, count] of Object.entries(stats.histogram)) {
    const tr = document.createElement("tr");
    tr.dataset.label = label;
    const th = document.createElement("th");
    th.textContent = label;
    const bar = document.createElement("td");
    bar.className = "bar";
    const span = document.createElement("span");
    span.style.width = `${(100 * count) / max}%`;
    bar.append(span);
    const c = document.createElement("td");
    c.className = "count";
    c.textContent = String(count);
    tr.append(th, bar, c);
    table.append(tr);
  }
  const m = stats.model;
  const est = $("estimate");
  if (!m) {
    est.textContent = "No model yet: the first one is fitted once there are labels.";
  } else if (m.f1 === null) {
    est.textContent = `Model ${m.round} fitted on ${m.n_labelled} labels. Estimated macro-F1 needs two classes with two examples each.`;
  } else {
    est.textContent =
      `Estimated macro-F1 ${fmt(m.f1)} (95% interval ${fmt(m.f1_lo)}–${fmt(m.f1_hi)}), ` +
      `${m.cv_folds}-fold cross-validation on the ${m.n_labelled} labelled texts of model ${m.round} ` +
      `(an estimate from the labelled set, not a held-out test set).`;
  }
  if (stats.training) est.textContent += " Retraining…";
  if (stats.trainer_error) est.textContent += ` Last fit failed: ${stats.trainer_error}`;
  const advice = $("advice");
  advice.replaceChildren();
  if (!stats.advice.length) {
    const li = document.createElement("li");
    li.textContent = m ? "Stopping advice needs a few models." : "No advice before the first model.";
    advice.append(li);
  }
  for (const a of stats.advice) {
    const li = document.createElement("li");
    li.className = a.stop ? "stop" : "go";
    li.textContent = a.reason;
    advice.append(li);
  }
  if (m && m.round !== state.round) {
    state.round = m.round;
    refreshSuggestions();
  }
}

async function refreshSuggestions() {
  const ids = state.batch.filter((it) => !it.label).map((it) => it.id);
  if (!ids.length) return;
  const data = await call("GET", `/api/items?ids=${ids.join(",")}`);
  const fresh = new Map(data.items.map((it) => [it.id, it]));
  state.batch = state.batch.map((it) => (!it.label && fresh.has(it.id) ? fresh.get(it.id) : it));
  renderItem();
}

async function fetchMore() {
  const data = await call("POST", "/api/next", { client, n: 5 });
  const have = new Set(state.batch.map((it) => it.id));
  for (const it of data.items) if (!have.has(it.id)) state.batch.push(it);
}

// Keep a few rows ahead so the next text is already here when a label is given.
async function topUp() {
  if (state.batch.length - state.pos < 3) {
    await fetchMore();
    renderItem();
  }
}

// Label, skip and move act on the page at once; their writes follow in key order.
function labelCurrent(name) {
  const item = current();
  if (!item) return;
  const before = item.label;
  item.label = name;
  state.pos += 1;
  renderItem();
  enqueue(async () => {
    try {
      const data = await call("POST", "/api/label", { client, item: item.id, label: name });
      renderStats(data.stats);
    } catch (err) {
      item.label = before;
      throw err;
    }
    await topUp();
  });
}

function skipCurrent() {
  const item = current();
  if (!item) return;
  state.batch.splice(state.pos, 1);
  renderItem();
  enqueue(async () => {
    const data = await call("POST", "/api/skip", { client, item: item.id });
    renderStats(data.stats);
    await topUp();
  });
}

function undo() {
  enqueue(async () => {
    const data = await call("POST", "/api/undo", { client });
    renderStats(data.stats);
    if (!data.item) return;
    const at = state.batch.findIndex((it) => it.id === data.item.id);
    if (at >= 0) {
      state.batch[at] = data.item;
      state.pos = at;
    } else {
      state.batch.splice(state.pos, 0, data.item);
    }
    renderItem();
  });
}

function move(step) {
  state.pos = Math.min(Math.max(0, state.pos + step), state.batch.length);
  renderItem();
  if (step > 0) enqueue(topUp);
}

function renderResults(items) {
  const list = $("results");
  list.replaceChildren();
  for (const it of items) {
    const li = document.createElement("li");
    li.dataset.item = String(it.id);
    const text = document.createElement("span");
    text.className = "result-text";
    text.textContent = it.text;
    const lab = document.createElement("span");
    lab.className = "result-label";
    lab.textContent = it.label ? `[${it.label}]` : it.suggestion ? `(model: ${it.suggestion})` : "";
    const buttons = document.createElement("span");
    buttons.className = "result-buttons";
    for (const name of state.labels) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = name;
      b.addEventListener("click", () =>
        enqueue(async () => {
          const data = await call("POST", "/api/label", { client, item: it.id, label: name });
          it.label = name;
          lab.textContent = `[${name}]`;
          renderStats(data.stats);
        }),
      );
      buttons.append(b);
    }
    const sim = document.createElement("button");
    sim.type = "button";
    sim.className = "similar";
    sim.textContent = "similar";
    sim.addEventListener("click", () => search({ similar: it.id }));
    buttons.append(sim);
    li.append(text, " ", lab, buttons);
    list.append(li);
  }
  if (!items.length) {
    const li = document.createElement("li");
    li.textContent = "No texts found.";
    list.append(li);
  }
}

async function search(params) {
  try {
    const data = await call("GET", `/api/search?${new URLSearchParams(params)}`);
    renderResults(data.items);
    showError("");
  } catch (err) {
    showError(err.message);
  }
}

function typing(event) {
  const t = event.target;
  return t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
}

document.addEventListener("keydown", (event) => {
  if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
  const k = event.key;
  if (k >= "1" && k <= "9") {
    const name = state.labels[Number(k) - 1];
    if (name) labelCurrent(name);
  } else if (k === "s") {
    skipCurrent();
  } else if (k === "u" || k === "Backspace") {
    event.preventDefault();
    undo();
  } else if (k === "ArrowLeft") {
    move(-1);
  } else if (k === "ArrowRight") {
    move(1);
  } else if (k === "?") {
    $("help").hidden = !$("help").hidden;
  } else if (k === "Escape") {
    $("help").hidden = true;
  } else {
    return;
  }
  event.preventDefault();
});

$("prev").addEventListener("click", () => move(-1));
$("next").addEventListener("click", () => move(1));
$("skip").addEventListener("click", skipCurrent);
$("undo").addEventListener("click", undo);
$("help-button").addEventListener("click", () => ($("help").hidden = !$("help").hidden));
$("search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  search({ q: $("search-input").value });
});
$("add-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const name = $("add-input").value.trim();
  if (!name) return;
  enqueue(async () => {
    const data = await call("POST", "/api/labels", { add: name });
    $("add-input").value = "";
    renderStats(data.stats);
  });
});
$("rename-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const to = $("rename-to").value.trim();
  if (!to) return;
  enqueue(async () => {
    const data = await call("POST", "/api/labels", { rename: $("rename-from").value, to });
    $("rename-to").value = "";
    const old = $("rename-from").value;
    state.batch.forEach((it) => {
      if (it.label === old) it.label = to;
    });
    renderStats(data.stats);
    renderItem();
  });
});

renderStats(JSON.parse($("initial-stats").textContent));
renderButtons();
enqueue(async () => {
  await fetchMore();
  document.body.dataset.ready = "1";
}).then(renderItem);
setInterval(() => {
  if (document.hidden) return;
  call("GET", "/api/stats").then(renderStats).catch(() => {});
}, 4000);
