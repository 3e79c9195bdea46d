/* Souk El-Syarat search page: state in the URL query, results from GET /search, as-you-type
   suggestions from GET /suggest, clicks reported to POST /search/clicks. No framework. */
(() => {
  "use strict";

  const FACET_PARAMS = ["category", "make", "model", "body", "fuel", "transmission", "condition",
    "colour", "governorate", "city", "seller_type"];
  const SORTS = ["relevance", "price_asc", "price_desc", "newest", "year", "mileage"];
  const PAGE_SIZE = 20;
  const SUGGEST_DELAY_MS = 150;
  const FACET_PREVIEW = 8;
  const SESSION_KEY = "souk-session-id";

  const labels = JSON.parse(document.getElementById("search-labels").textContent);
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const sortSelect = document.getElementById("sort");
  const suggestionList = document.getElementById("suggestions");
  const facetsBox = document.getElementById("facets");
  const clearButton = document.getElementById("clear-filters");
  const summary = document.getElementById("summary");
  const errorBox = document.getElementById("search-error");
  const resultList = document.getElementById("results");
  const noResults = document.getElementById("no-results");
  const loadMore = document.getElementById("load-more");
  const egp = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
  const expanded = new Set();

  let state = readUrl();
  let last = null; // the last /search response (search_id, query, next_cursor)
  let searchSeq = 0;
  let suggestSeq = 0;
  let suggestTimer = 0;
  let active = -1;

  function sessionId() {
    try {
      let id = sessionStorage.getItem(SESSION_KEY);
      if (!id) {
        id = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
        sessionStorage.setItem(SESSION_KEY, id);
      }
      return id;
    } catch (e) {
      return "";
    }
  }
  const headers = sessionId() ? { "X-Session-Id": sessionId() } : {};

  /* ---- state <-> URL ---- */
  function readUrl() {
    const params = new URLSearchParams(location.search);
    const filters = {};
    for (const name of FACET_PARAMS) {
      const values = params.getAll(name).filter(Boolean);
      if (values.length) filters[name] = [...new Set(values)];
    }
    const sort = params.get("sort");
    return { q: params.get("q") || "", sort: SORTS.includes(sort) ? sort : "relevance", filters };
  }

  function stateParams(s) {
    const params = new URLSearchParams();
    if (s.q) params.set("q", s.q);
    if (s.sort !== "relevance") params.set("sort", s.sort);
    for (const name of FACET_PARAMS) for (const v of s.filters[name] || []) params.append(name, v);
    return params;
  }

  function writeUrl(push) {
    const query = stateParams(state).toString();
    const url = query ? `${location.pathname}?${query}` : location.pathname;
    if (url !== location.pathname + location.search) {
      history[push ? "pushState" : "replaceState"](null, "", url);
    }
    document.title = `${state.q ? state.q + " · " : ""}Find a car · Souk El-Syarat`;
  }

  /* ---- labels and formatting ---- */
  const UPPER = new Set(["suv", "mpv", "gcc"]);
  function words(value) {
    if (UPPER.has(String(value).toLowerCase())) return String(value).toUpperCase();
    return String(value).replace(/_/g, " ").replace(/\b\p{L}/gu, (c) => c.toUpperCase());
  }
  function valueLabel(facet, value) {
    if (facet === "governorate" && labels.governorates[value]) {
      const [en, ar] = labels.governorates[value];
      return ar ? `${en} · ${ar}` : en;
    }
    if (facet === "make" && labels.acronym_makes.includes(value)) return value.toUpperCase();
    return words(value);
  }
  function price(value) {
    return value == null ? "Price on request" : `EGP ${egp.format(value)}`;
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  /* The API escapes snippet text and marks matches with <em>…</em>: keep only those tags. */
  const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };
  function unescapeText(text) {
    return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (m) => ENTITIES[m]);
  }
  function highlighted(tag, attrs, snippet, plain) {
    const node = el(tag, attrs);
    if (!snippet) {
      node.textContent = plain || "";
      return node;
    }
    let marked = false;
    for (const part of snippet.split(/(<em>|<\/em>)/)) {
      if (part === "<em>") marked = true;
      else if (part === "</em>") marked = false;
      else if (part) node.append(marked ? el("mark", { text: unescapeText(part) })
                                        : document.createTextNode(unescapeText(part)));
    }
    return node;
  }

  /* ---- results ---- */
  function renderHit(hit) {
    const h = hit.highlights || {};
    const link = el("a", { href: `/listing/${encodeURIComponent(hit.id)}?source=search`,
                           className: "hit-link" });
    const titles = el("div", { className: "hit-titles" });
    if (hit.title_en) titles.append(highlighted("h3", { dir: "auto", className: "hit-title" }, h.title_en, hit.title_en));
    if (hit.title_ar) {
      const cls = hit.title_en ? "hit-title-alt" : "hit-title";
      titles.append(highlighted(hit.title_en ? "p" : "h3", { dir: "auto", lang: "ar", className: cls }, h.title_ar, hit.title_ar));
    }
    if (!hit.title_en && !hit.title_ar) titles.append(el("h3", { className: "hit-title", text: hit.title || "Listing" }));
    const order = /\p{Script=Arabic}/u.test(state.q) ? ["description_ar", "description_en"]
                                                      : ["description_en", "description_ar"];
    const snippetKey = order.find((k) => h[k]) ||
      Object.keys(h).find((k) => !k.startsWith("title"));
    if (snippetKey) titles.append(highlighted("p", { dir: "auto", className: "hit-snippet" }, h[snippetKey]));

    const facts = [hit.year, hit.mileage_km != null ? `${egp.format(hit.mileage_km)} km` : null,
      hit.transmission && words(hit.transmission), hit.fuel && words(hit.fuel),
      hit.condition && words(hit.condition)].filter(Boolean);
    const placeParts = [hit.city, ...(hit.governorate ? valueLabel("governorate", hit.governorate).split(" · ") : [])];
    const seenPlaces = new Set();
    const place = placeParts.filter((p) => p && !seenPlaces.has(p.toLowerCase()) && seenPlaces.add(p.toLowerCase()))
      .join(" · ");
    const details = el("div", { className: "hit-details" },
      el("p", { className: "hit-facts", text: facts.join(" · ") }),
      place ? el("p", { className: "hit-place muted", dir: "auto", text: place }) : null);
    if (hit.seller) {
      details.append(el("p", { className: "hit-seller muted small" },
        el("bdi", { dir: "auto", text: hit.seller.display_name || "Seller" }),
        hit.seller.seller_type ? ` · ${words(hit.seller.seller_type)}` : "",
        hit.seller.verified ? el("span", { className: "badge badge-verified", text: "Verified" }) : null));
    }
    const priceBox = el("div", { className: "hit-price" },
      el("span", { className: "price", text: price(hit.price_egp) }),
      hit.negotiable ? el("span", { className: "badge", text: "Negotiable" }) : null,
      hit.installments_available ? el("span", { className: "badge badge-accent", text: "Installments" }) : null);
    const initial = el("div", { className: `hit-thumb cat-${hit.category || "car"}`, "aria-hidden": "true",
      text: (hit.make || hit.category || "?").slice(0, 2).toUpperCase() });
    link.append(initial, el("div", { className: "hit-body" }, titles, details), priceBox);
    link.addEventListener("click", (event) => openHit(event, hit, link.href));
    return el("li", { className: "hit", "data-id": hit.id, "data-position": hit.position }, link);
  }

  function reportClick(hit) {
    if (!last) return Promise.resolve();
    const body = JSON.stringify({ search_id: last.search_id, query: last.query || "",
                                  listing_id: hit.id, position: hit.position });
    return fetch("/search/clicks", { method: "POST", keepalive: true, body,
      headers: { ...headers, "Content-Type": "application/json" } }).catch(() => undefined);
  }

  function openHit(event, hit, href) {
    const sent = reportClick(hit);
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    const timeout = new Promise((resolve) => setTimeout(resolve, 400));
    Promise.race([sent, timeout]).then(() => { location.href = href; });
  }

  /* ---- facets ---- */
  function renderFacets(facets) {
    facetsBox.replaceChildren();
    for (const name of FACET_PARAMS) {
      const chosen = state.filters[name] || [];
      const values = (facets[name] || []).slice();
      for (const v of chosen) {
        if (!values.some((f) => f.value === v)) values.push({ value: v, count: 0, selected: true });
      }
      if (!values.length) continue;
      const open = expanded.has(name);
      const group = el("fieldset", { className: "facet", "data-facet": name });
      group.append(el("legend", { text: labels.facets[name] || words(name) }));
      values.forEach((f, i) => {
        const checked = chosen.includes(f.value);
        const box = el("input", { type: "checkbox", name, value: f.value, checked });
        box.checked = checked;
        box.addEventListener("change", () => toggle(name, f.value, box.checked));
        const row = el("label", { className: "facet-value", "data-value": f.value,
                                  hidden: !open && i >= FACET_PREVIEW && !checked },
          box, el("span", { className: "facet-label", dir: "auto", text: valueLabel(name, f.value) }),
          el("span", { className: "facet-count", text: egp.format(f.count) }));
        group.append(row);
      });
      if (values.length > FACET_PREVIEW) {
        const more = el("button", { type: "button", className: "link-button",
          text: open ? "Show fewer" : `Show all ${values.length}` });
        more.addEventListener("click", () => {
          if (open) expanded.delete(name); else expanded.add(name);
          renderFacets(facets);
        });
        group.append(more);
      }
      facetsBox.append(group);
    }
    facetsBox.dataset.state = "ready";
    clearButton.hidden = !Object.keys(state.filters).length;
  }

  function toggle(name, value, on) {
    const values = new Set(state.filters[name] || []);
    if (on) values.add(value); else values.delete(value);
    if (values.size) state.filters[name] = [...values]; else delete state.filters[name];
    writeUrl(true);
    search();
  }

  /* ---- search ---- */
  async function search(cursor) {
    const seq = ++searchSeq;
    const params = stateParams(state);
    params.set("size", String(PAGE_SIZE));
    if (cursor) params.set("cursor", cursor);
    summary.dataset.state = "loading";
    if (!cursor) summary.textContent = "Searching…";
    loadMore.disabled = true;
    let body;
    try {
      const response = await fetch(`/search?${params}`, { headers });
      if (!response.ok) throw new Error(`search answered ${response.status}`);
      body = await response.json();
    } catch (error) {
      if (seq !== searchSeq) return;
      errorBox.hidden = false;
      summary.dataset.state = "error";
      summary.textContent = "";
      loadMore.disabled = false;
      return;
    }
    if (seq !== searchSeq) return; // a newer search answered or is on its way
    errorBox.hidden = true;
    last = body;
    if (!cursor) {
      resultList.replaceChildren();
      renderFacets(body.facets || {});
    }
    resultList.append(...body.hits.map(renderHit));
    const shown = resultList.children.length;
    const total = `${egp.format(body.total)}${body.total_relation === "gte" ? "+" : ""}`;
    summary.replaceChildren(
      el("strong", { id: "total", "data-total": body.total, text: total }),
      ` ${body.total === 1 ? "listing" : "listings"}`,
      body.query ? el("span", {}, " for ", el("bdi", { dir: "auto", className: "query", text: `«${body.query}»` })) : "",
      el("span", { className: "took", "data-took": body.took_ms, text: ` · ${body.took_ms} ms` }),
      shown && shown < body.total ? el("span", { className: "shown", text: ` · showing ${shown}` }) : "");
    summary.dataset.state = "ready";
    noResults.hidden = body.total > 0;
    loadMore.hidden = !body.next_cursor;
    loadMore.disabled = false;
  }

  /* ---- suggestions ---- */
  function closeSuggestions() {
    suggestionList.hidden = true;
    suggestionList.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    const items = suggestionList.querySelectorAll("[role=option]");
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  async function suggest() {
    const text = input.value.trim();
    const seq = ++suggestSeq;
    if (!text) return closeSuggestions();
    let body;
    try {
      const response = await fetch(`/suggest?${new URLSearchParams({ q: text, size: "8" })}`, { headers });
      if (!response.ok) return;
      body = await response.json();
    } catch (error) {
      return;
    }
    if (seq !== suggestSeq || document.activeElement !== input) return;
    const seen = new Set();
    const options = body.suggestions.filter((s) => !seen.has(s.text) && seen.add(s.text));
    if (!options.length) return closeSuggestions();
    suggestionList.replaceChildren(...options.map((s, i) => {
      const item = el("li", { role: "option", id: `suggestion-${i}`, className: "suggestion",
                              "aria-selected": "false", dir: "auto", text: s.text });
      item.addEventListener("mousedown", (event) => { event.preventDefault(); choose(s.text); });
      return item;
    }));
    active = -1;
    suggestionList.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function choose(text) {
    input.value = text;
    closeSuggestions();
    submit();
  }

  function submit() {
    clearTimeout(suggestTimer);
    suggestSeq++;
    closeSuggestions();
    state.q = input.value.trim();
    state.sort = sortSelect.value;
    writeUrl(true);
    search();
  }

  /* ---- wiring ---- */
  input.addEventListener("input", () => {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, SUGGEST_DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    const open = !suggestionList.hidden;
    if (event.key === "ArrowDown" && open) { event.preventDefault(); setActive(active + 1); }
    else if (event.key === "ArrowUp" && open) { event.preventDefault(); setActive(active - 1); }
    else if (event.key === "Escape" && open) { event.preventDefault(); closeSuggestions(); }
    else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      choose(suggestionList.querySelectorAll("[role=option]")[active].textContent);
    }
  });
  input.addEventListener("blur", closeSuggestions);
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  sortSelect.addEventListener("change", submit);
  clearButton.addEventListener("click", () => { state.filters = {}; writeUrl(true); search(); });
  loadMore.addEventListener("click", () => { if (last && last.next_cursor) search(last.next_cursor); });
  window.addEventListener("popstate", () => {
    state = readUrl();
    input.value = state.q;
    sortSelect.value = state.sort;
    search();
  });

  input.value = state.q;
  sortSelect.value = state.sort;
  search();
})();
