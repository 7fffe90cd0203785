// The preview page: the list of documents, the problems, and the pages of
// the open document, kept current by the server's events. Everything it
// needs comes from the server it was loaded from.
"use strict";

const GROUPS = [
  ["orders", "Приказы"],
  ["passports", "Паспорта"],
  ["agreements", "Соглашения"],
  ["programs", "Программы"],
];
const STATUS = {
  "up-to-date": "актуален",
  "changed": "изменён",
  "rebuilt": "пересобран",
  "failed": "ошибка",
};

let open = decodeURIComponent(location.hash.slice(1)) || null;
let shownVersion = null;
let loading = false;
let again = false;

const $ = (id) => document.getElementById(id);

function element(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function showList(documents) {
  const nav = $("documents");
  nav.replaceChildren();
  for (const [group, title] of GROUPS) {
    const docs = documents.filter((d) => d.group === group);
    if (!docs.length) continue;
    nav.append(element("h2", null, title));
    const ul = element("ul");
    for (const d of docs) {
      const a = element("a");
      a.href = "#" + d.name;
      a.dataset.name = d.name;
      if (d.name === open) a.classList.add("open");
      a.append(element("span", "doc-title", d.title));
      a.append(element("span", "doc-name", d.name));
      a.append(element("span", "badge " + d.status, STATUS[d.status] || d.status));
      if (d.draft) a.append(element("span", "badge draft", "проект"));
      a.addEventListener("click", (ev) => {
        ev.preventDefault();
        select(d.name);
      });
      const li = element("li");
      li.append(a);
      ul.append(li);
    }
    nav.append(ul);
  }
}

function showChanges(changes) {
  $("changes").hidden = !changes.length;
  const ul = $("change-list");
  ul.replaceChildren();
  for (const c of changes) {
    const li = element("li", null, c.cluster + ": ");
    if (c.joined.length) li.append(element("span", "joined", "вошли: " + c.joined.join(", ")));
    if (c.joined.length && c.left.length) li.append("; ");
    if (c.left.length) li.append(element("span", "left", "вышли: " + c.left.join(", ")));
    ul.append(li);
  }
}

function showProblems(text) {
  $("problems").hidden = !text;
  $("problems").textContent = text || "";
}

// The pages of the open document, replaced in place so that the scroll
// position stays: a new image is loaded first, then swapped in.
function showPages(name, version, count, texts) {
  const box = $("pages");
  const imgs = box.querySelectorAll("img");
  for (let i = 1; i <= count; i++) {
    const src = `/api/doc/${encodeURIComponent(name)}/page/${i}.svg?v=${version}`;
    const alt = texts[i - 1] || `страница ${i}`;
    let img = imgs[i - 1];
    if (!img) {
      img = element("img");
      img.dataset.page = String(i);
      box.append(img);
      img.alt = alt;
      img.src = src;
    } else if (img.getAttribute("src") !== src) {
      const next = new Image();
      const target = img;
      next.onload = () => { target.src = src; target.alt = alt; };
      next.src = src;
    }
  }
  for (let i = imgs.length; i > count; i--) imgs[i - 1].remove();
  box.dataset.version = String(version);
  box.dataset.pages = String(count);
}

async function loadDocument(name) {
  const r = await fetch(`/api/doc/${encodeURIComponent(name)}`);
  if (!r.ok) return;
  const d = await r.json();
  if (name !== open) return;
  $("hint").hidden = true;
  $("doc-head").hidden = false;
  $("doc-title").textContent = name;
  $("doc-meta").textContent = d.pages ? `страниц: ${d.pages}` : "";
  $("doc-problem").hidden = !d.problem;
  $("doc-problem").textContent = d.problem || "";
  $("pdf-link").href = `/api/doc/${encodeURIComponent(name)}.pdf?v=${d.version}`;
  $("docx-link").href = `/api/doc/${encodeURIComponent(name)}.docx?v=${d.version}`;
  if (d.pages) showPages(name, d.version, d.pages, d.texts || []);
  shownVersion = d.version;
}

async function refresh() {
  if (loading) { again = true; return; }
  loading = true;
  try {
    do {
      again = false;
      const r = await fetch("/api/state");
      const state = await r.json();
      showProblems(state.problems);
      showChanges(state.changes);
      showList(state.documents);
      const doc = open && state.documents.find((d) => d.name === open);
      if (doc && doc.version !== shownVersion) await loadDocument(open);
    } while (again);
  } finally {
    loading = false;
  }
}

function select(name) {
  open = name;
  shownVersion = null;
  history.replaceState(null, "", "#" + name);
  $("pages").replaceChildren();
  for (const a of document.querySelectorAll("#documents a")) {
    a.classList.toggle("open", a.dataset.name === name);
  }
  refresh();
}

function connect() {
  const events = new EventSource("/events");
  events.addEventListener("update", () => refresh());
  events.onopen = () => {
    $("connection").textContent = "обновляется при сохранении";
    $("connection").className = "connection live";
  };
  events.onerror = () => {
    $("connection").textContent = "нет связи с clusterdoc serve";
    $("connection").className = "connection lost";
  };
}

connect();
refresh();
