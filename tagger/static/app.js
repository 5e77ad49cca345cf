// tagger: the editors' page. Plain JavaScript, no build step, no dependencies.
// Tags the story ~400 ms after typing stops, highlights entity mentions inline, shows topic and
// entity chips, and posts accept / reject / add verdicts to /v1/feedback.
"use strict";

const DEBOUNCE_MS = 400;
const PASSAGE_WORDS = 40; // words of a topic's passage quoted in its hover text
const $ = (id) => document.getElementById(id);
const textEl = $("text");
const backdrop = $("backdrop");
const statusEl = $("status");

const state = {
  text: "",        // the text the current result is for
  result: null,    // the last /v1/tag answer
  verdicts: {},    // tag key -> "accept" | "reject" | "add"
  added: [],       // topics the editor added from the taxonomy
  taxonomy: [],
  seq: 0,          // request counter: answers to older requests are dropped
  inflight: null,  // AbortController of the running request
  timer: 0,
  moreOpen: false, // the "less central" entities list, kept open across refreshes
};

// -- talking to the API ----------------------------------------------------------------------
function headers() {
  const h = { "Content-Type": "application/json" };
  const key = sessionStorage.getItem("tagger-api-key");
  if (key) h.Authorization = "Bearer " + key;
  return h;
}

async function api(path, body, signal) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: headers(),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.status === 401) {
    $("keyform").hidden = false;
    throw new Error("this service needs an API key: enter it above");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const d = data.detail;
    const msg = Array.isArray(d) ? d.map((e) => `${e.field}: ${e.msg}`).join("; ") : d;
    throw new Error(msg || `HTTP ${response.status}`);
  }
  return data;
}

function setStatus(message, isError = false) {
  statusEl.textContent = message;
  statusEl.classList.toggle("error", isError);
}

// -- tagging ---------------------------------------------------------------------------------
function schedule() {
  clearTimeout(state.timer);
  fit();
  renderBackdrop(textEl.value, null); // the old marks no longer line up with the text
  state.timer = setTimeout(refresh, DEBOUNCE_MS);
}

async function refresh() {
  const text = textEl.value;
  if (state.inflight) state.inflight.abort();
  if (!text.trim()) {
    state.text = text;
    state.result = null;
    render();
    setStatus("Paste or type a story.");
    return;
  }
  const seq = ++state.seq;
  const controller = new AbortController();
  state.inflight = controller;
  setStatus("Tagging…");
  const started = performance.now();
  try {
    const result = await api("/v1/tag", { text }, controller.signal);
    if (seq !== state.seq) return;
    state.text = text;
    state.result = result;
    render();
    const words = text.trim().split(/\s+/).length;
    const ms = Math.round(performance.now() - started);
    setStatus(`${words} words tagged in ${ms} ms`);
    $("model").textContent = result.model ? result.model.version : "";
  } catch (err) {
    if (err.name === "AbortError") return;
    if (seq === state.seq) setStatus(String(err.message || err), true);
  } finally {
    if (state.inflight === controller) state.inflight = null;
  }
}

// -- rendering -------------------------------------------------------------------------------
function keyOf(tag) {
  return tag.slug ? "topic:" + tag.slug : "entity:" + tag.label + ":" + tag.name;
}

// the backdrop: the story with its entity mentions marked and, while a topic chip is hovered,
// the topic's passage shaded (plain text in a .passage span, marks inside it .in-passage)
function renderBackdrop(text, entities, passage = null) {
  backdrop.classList.toggle("stale", !entities);
  backdrop.textContent = "";
  const spans = [];
  for (const e of entities || []) {
    for (const m of e.mentions) spans.push({ start: m.start, end: m.end, entity: e });
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const inPassage = (i) => passage !== null && i >= passage.start && i < passage.end;
  const plain = (from, to) => { // text between marks, the passage part shaded
    const cuts = [from, to];
    if (passage) cuts.push(Math.min(Math.max(passage.start, from), to), Math.min(Math.max(passage.end, from), to));
    cuts.sort((a, b) => a - b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      if (cuts[i] === cuts[i + 1]) continue;
      const piece = text.slice(cuts[i], cuts[i + 1]);
      if (inPassage(cuts[i])) {
        const shade = document.createElement("span");
        shade.className = "passage";
        shade.textContent = piece;
        backdrop.append(shade);
      } else backdrop.append(piece);
    }
  };
  let at = 0;
  for (const s of spans) {
    if (s.start < at || s.end > text.length) continue; // overlapping or out of range
    plain(at, s.start);
    const mark = document.createElement("mark");
    mark.dataset.label = s.entity.label;
    mark.dataset.key = keyOf(s.entity);
    if (state.verdicts[keyOf(s.entity)] === "reject") mark.classList.add("rejected");
    if (inPassage(s.start)) mark.classList.add("in-passage");
    mark.textContent = text.slice(s.start, s.end);
    backdrop.append(mark);
    at = s.end;
  }
  plain(at, text.length);
  // a trailing newline needs a character after it, or the backdrop is one line short
  backdrop.append("\u200b");
}

// shade a topic's passage while its chip is hovered (only over the text the result is for)
function showPassage(tag, on) {
  const r = state.result;
  if (!r || textEl.value !== state.text || !tag.passage) return;
  renderBackdrop(textEl.value, r.entities, on ? tag.passage : null);
}

// the story's passage that scored highest for a topic, as the hover text quotes it
function passageOf(tag) {
  if (!tag.passage || !state.text || tag.passage.end > state.text.length) return "";
  const words = state.text.slice(tag.passage.start, tag.passage.end).trim().split(/\s+/);
  const shown = words.slice(0, PASSAGE_WORDS).join(" ");
  return `passage: "${shown}${words.length > PASSAGE_WORDS ? " …" : ""}"`;
}

function chip(tag, kind) {
  const el = document.createElement("span");
  el.className = "chip " + kind;
  el.dataset.key = keyOf(tag);
  const name = document.createElement("span");
  name.className = "name";
  const score = document.createElement("span");
  score.className = "score";
  if (kind === "topic") {
    el.dataset.slug = tag.slug;
    el.classList.add(tag.score === undefined ? "added" : tag.score >= 0.5 ? "assigned" : "weak");
    name.textContent = tag.slug;
    score.textContent = tag.score === undefined ? "added" : tag.score.toFixed(2);
    el.title = [
      `${tag.label}${tag.iptc ? " (" + tag.iptc + ")" : ""}`,
      tag.score === undefined ? "added by you" :
        `score ${tag.score.toFixed(2)}: ${tag.score >= 0.5 ? "assigned" : "suggested, below the threshold 0.50"}`,
      tag.evidence && tag.evidence.length ? "evidence: " + tag.evidence.join(", ") : "",
      passageOf(tag),
    ].filter(Boolean).join("\n");
    el.addEventListener("mouseenter", () => showPassage(tag, true));
    el.addEventListener("mouseleave", () => showPassage(tag, false));
  } else {
    el.dataset.label = tag.label;
    const dot = document.createElement("span");
    dot.className = "dot";
    el.append(dot);
    name.textContent = tag.name;
    score.textContent = tag.salience.toFixed(2);
    const said = [...new Set(tag.mentions.map((m) => m.text))];
    el.title = [
      `${tag.label}${tag.id ? " · " + tag.id : ""}`,
      said.length
        ? `salience ${tag.salience.toFixed(2)} · ${tag.count} mention${tag.count === 1 ? "" : "s"}`
        : "not named in the text: its people and bodies are",
      said.length ? "as: " + said.join(", ") : "",
    ].filter(Boolean).join("\n");
    el.addEventListener("mouseenter", () => focusMarks(el.dataset.key, true));
    el.addEventListener("mouseleave", () => focusMarks(el.dataset.key, false));
  }
  el.append(name, score);
  const verdict = state.verdicts[el.dataset.key];
  if (verdict) el.dataset.verdict = verdict;
  const label = kind === "topic" ? tag.slug : tag.name;
  for (const [cls, v, sign] of [["ok", "accept", "✓"], ["no", "reject", "✗"]]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = sign;
    b.title = `${v} ${label}`;
    b.setAttribute("aria-label", `${v} ${label}`);
    b.setAttribute("aria-pressed", String(verdict === v || (v === "accept" && verdict === "add")));
    b.addEventListener("click", () => decide(tag, v));
    el.append(b);
  }
  return el;
}

function focusMarks(key, on) {
  for (const m of backdrop.querySelectorAll("mark")) {
    if (m.dataset.key === key) m.classList.toggle("focus", on);
  }
}

function render() {
  const r = state.result;
  renderBackdrop(textEl.value, r && textEl.value === state.text ? r.entities : null);
  const topics = $("topics");
  const entities = $("entities");
  topics.replaceChildren();
  entities.replaceChildren();
  const shown = new Set();
  for (const t of r ? r.topics : []) {
    topics.append(chip(t, "topic"));
    shown.add(t.slug);
  }
  for (const t of state.added) {
    if (!shown.has(t.slug)) topics.append(chip(t, "topic"));
  }
  const minor = [];
  for (const e of r ? r.entities : []) {
    if (e.suggested) entities.append(chip(e, "entity")); // the editor's tags, most salient first
    else minor.push(e);
  }
  if (minor.length) { // named but not what the story is about: folded away
    const more = document.createElement("details");
    more.className = "more";
    more.open = state.moreOpen;
    more.addEventListener("toggle", () => { state.moreOpen = more.open; });
    const summary = document.createElement("summary");
    summary.textContent = `${minor.length} more named, not suggested`;
    const box = document.createElement("div");
    box.className = "chips";
    for (const e of minor) box.append(chip(e, "entity"));
    more.append(summary, box);
    entities.append(more);
  }
  $("json").textContent = JSON.stringify(exported(), null, 2);
}

// -- feedback --------------------------------------------------------------------------------
function cleanTag(tag) {
  if (tag.slug) return { slug: tag.slug, label: tag.label, iptc: tag.iptc, score: tag.score };
  return { name: tag.name, label: tag.label, id: tag.id, salience: tag.salience };
}

async function decide(tag, verdict) {
  const key = keyOf(tag);
  const before = state.verdicts[key];
  if (before === verdict || (before === "add" && verdict === "accept")) return;
  const text = state.text || textEl.value;
  if (!text.trim()) return;
  state.verdicts[key] = verdict;
  render();
  try {
    await api("/v1/feedback", { text, tag: cleanTag(tag), verdict });
    const name = tag.slug || tag.name;
    setStatus(`Saved: ${verdict} ${name}`);
  } catch (err) {
    if (before) state.verdicts[key] = before; else delete state.verdicts[key];
    render();
    setStatus("Feedback not saved: " + (err.message || err), true);
  }
}

async function addTopic(event) {
  event.preventDefault();
  const slug = $("addtopic").value;
  const concept = state.taxonomy.find((c) => c.slug === slug);
  if (!concept) return;
  if (!(state.text || textEl.value).trim()) {
    setStatus("Write or paste the story first.", true);
    return;
  }
  const suggested = state.result && state.result.topics.find((t) => t.slug === slug);
  const tag = suggested || { slug, label: concept.label, iptc: concept.iptc };
  if (!suggested && !state.added.some((t) => t.slug === slug)) state.added.push(tag);
  await decide(tag, suggested ? "accept" : "add");
}

// -- export ----------------------------------------------------------------------------------
function exported() {
  const r = state.result || { entities: [], topics: [] };
  const keep = (t) => state.verdicts[keyOf(t)] !== "reject";
  const topics = r.topics.filter(keep);
  for (const t of state.added) {
    if (!topics.some((x) => x.slug === t.slug)) {
      topics.push({ slug: t.slug, label: t.label, iptc: t.iptc, score: 1.0, evidence: [] });
    }
  }
  return {
    entities: r.entities.filter(keep),
    topics,
    verdicts: { ...state.verdicts },
    model: r.model || null,
  };
}

async function copyJson() {
  const json = JSON.stringify(exported(), null, 2);
  try {
    await navigator.clipboard.writeText(json);
  } catch {
    const scratch = document.createElement("textarea"); // clipboard API refused: the old way
    scratch.value = json;
    document.body.append(scratch);
    scratch.select();
    document.execCommand("copy");
    scratch.remove();
  }
  setStatus("Copied the tags as JSON.");
}

// -- set-up ----------------------------------------------------------------------------------
function fit() {
  // grow the textarea with the story, so the backdrop never has to scroll with it
  textEl.style.height = "auto";
  textEl.style.height = textEl.scrollHeight + "px";
}

async function loadTaxonomy() {
  try {
    const data = await api("/v1/taxonomy");
    state.taxonomy = data.topics;
    const select = $("addtopic");
    select.replaceChildren(new Option("Choose a topic…", ""));
    for (const c of data.topics) {
      const option = new Option(`${c.slug} — ${c.label}`, c.slug);
      option.title = c.scope || c.label;
      select.append(option);
    }
  } catch (err) {
    setStatus(String(err.message || err), true);
  }
}

textEl.addEventListener("input", () => {
  state.verdicts = state.text && textEl.value.trim() ? state.verdicts : {};
  schedule();
});
window.addEventListener("resize", fit);
$("addform").addEventListener("submit", addTopic);
$("copy").addEventListener("click", copyJson);
$("keyform").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("tagger-api-key", $("apikey").value.trim());
  $("keyform").hidden = true;
  loadTaxonomy();
  refresh();
});
loadTaxonomy();
fit();
render();
