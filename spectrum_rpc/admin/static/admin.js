// spectrum-rpc admin: progressive enhancement over server-rendered pages.
// Forms and buttons with data-api="URL" call the JSON admin API (with the CSRF header) and
// show the answer with the renderer named by data-render, or reload the page.
(() => {
  "use strict";

  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  async function call(method, url, body) {
    const init = {
      method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf() },
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(url, init);
    let data = null;
    try { data = await res.json(); } catch (_) { /* empty body */ }
    if (res.status === 401) {
      location.href = "/admin/login?next=" + encodeURIComponent(location.pathname + location.search);
    }
    if (!res.ok) throw new Error((data && data.error) || res.status + " " + res.statusText);
    return data;
  }

  // h("p", {class: "x"}, "text", child): build DOM without innerHTML, so data is never markup.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  function setPath(obj, path, value) {
    let o = obj;
    for (const part of path.slice(0, -1)) o = o[part] = o[part] || {};
    o[path[path.length - 1]] = value;
  }

  function formBody(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.type === "submit" || el.type === "button") continue;
      let value = el.value;
      const path = el.name.split(".");
      if (el.type === "checkbox" && el.hasAttribute("data-list")) {
        let list = path.reduce((o, p) => (o === undefined ? o : o[p]), out);
        if (!Array.isArray(list)) setPath(out, path, list = []);
        if (el.checked) list.push(el.value);
        continue;
      }
      if (el.dataset.split) {
        // A word list: one per line, or separated by commas or spaces.
        const sep = el.dataset.split === "lines" ? /\r?\n/ : /[\s,]+/;
        setPath(out, path, value.split(sep).map((w) => w.trim()).filter((w) => w));
        continue;
      }
      // A field rendered with its saved value (data-initial) is sent only when changed: a
      // threshold pair left alone keeps following the server's default.
      if (el.hasAttribute("data-initial") && value === el.dataset.initial) continue;
      if (el.type === "checkbox") value = el.checked;
      else if (el.type === "number") {
        if (value === "" && !el.hasAttribute("data-nullable")) continue;
        value = value === "" ? null : Number(value);  // an empty nullable field: off
      } else if (value === "" && el.hasAttribute("data-optional")) continue;
      setPath(out, path, value);
    }
    return out;
  }

  function show(el, text) {
    if (!el) return;
    el.textContent = text;
    el.hidden = !text;
  }

  function fmt(x) { return typeof x === "number" ? x.toFixed(3) : String(x); }

  // The deliveries table of a webhook's page, rebuilt from the API (as the page renders it).
  function deliveryRow(d, replayUrl) {
    const badge = d.state === "delivered" ? "on" : (d.state === "failed" ? "off" : "");
    const tries = d.tries.length ? d.tries.map((a) => h("li", {},
      h("span", { class: "badge " + (a.status && a.status >= 200 && a.status < 300 ? "on" : "off") }, a.status || "no answer"),
      " ", h("span", { class: "small" }, a.at + " · " + (a.latency_ms === null ? "–" : a.latency_ms) + " ms"),
      a.error ? h("div", { class: "small error-text" }, a.error) : null,
      a.response ? h("pre", { class: "excerpt" }, a.response) : null))
      : [h("li", { class: "muted small" }, "not attempted yet")];
    return h("tr", { class: "delivery", "data-state": d.state },
      h("td", { "data-label": "Delivery" }, "#" + d.id), h("td", { "data-label": "Created" }, d.created_at),
      h("td", { "data-label": "State" }, h("span", { class: "badge " + badge }, d.state),
        d.next_attempt_at && d.state === "pending" ? h("span", { class: "small muted" }, " next " + d.next_attempt_at) : null),
      h("td", { "data-label": "Attempts" }, h("ol", { class: "attempts" }, tries)),
      h("td", {}, d.state === "failed" ? h("button", { type: "button", class: "secondary", "data-api": replayUrl,
        "data-method": "POST", "data-body": JSON.stringify({ delivery_id: d.id }) }, "Replay") : null));
  }

  async function refreshDeliveries() {
    const table = document.querySelector("#deliveries[data-source]");
    if (!table) return;
    const data = await call("GET", table.dataset.source);
    const rows = data.deliveries.map((d) => deliveryRow(d, table.dataset.replay));
    table.tBodies[0].replaceChildren(...(rows.length ? rows
      : [h("tr", {}, h("td", { colspan: "5", class: "muted" }, "No deliveries yet."))]));
  }

  // The pieces of a text (cut by the server at every range's ends, code points counted), each
  // covered piece a <mark>: text nodes only, so the user's text is never markup.
  function pieces(list, cls, title) {
    return h("p", { class: "highlight " + cls }, list.map((p) => p.tags.length
      ? h("mark", { class: cls, title: p.tags.map(title).join(", "),
        "data-tags": p.tags.map((t) => t.label || t.kind).join(" ") }, p.text)
      : p.text));
  }

  function table(head, rows) {
    return h("div", { class: "scroll" }, h("table", {},
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c, i) => i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c)))))));
  }

  function yes(flag, on, off) {
    return h("span", { class: "badge " + (flag ? "off" : "on") }, flag ? on : off);
  }

  // Every detector's output from moderateText's full analysis.
  function analysis(data) {
    const a = data.analysis;
    const out = [h("h2", { class: "section" }, "Every detector")];
    out.push(h("h3", {}, "Labels"), h("p", { id: "actions" }, "Actions: ",
      yes(a.actions.reject, "reject", "no reject"), " ", yes(a.actions.review, "review", "no review")));
    out.push(table(["Label", "Score", "Flagged"], Object.entries(a.labels).map(([k, v]) =>
      [k, fmt(v), k in a.flagged ? yes(a.flagged[k], "flagged", "ok") : "–"])));
    out.push(h("h3", {}, a.spans.length + " toxic span" + (a.spans.length === 1 ? "" : "s")),
      pieces(data.span_pieces, "span", (t) => t.label + " " + fmt(t.score)));
    out.push(h("h3", {}, "Personal data and profanity"),
      pieces(data.match_pieces, "match", (t) => t.kind));
    const pii = Object.entries(a.pii).map(([kind, r]) => [kind, r.mode,
      r.matches.length ? h("ul", { class: "matches" }, r.matches.map((m) => h("li", {}, h("code", {}, m.text), " " + m.begin + "–" + m.end))) : "none"]);
    const prof = a.profanity;
    pii.push(["profanity", prof.mode, prof.matches.length ? h("ul", { class: "matches" }, prof.matches.map((m) =>
      h("li", {}, h("code", {}, m.text), " → " + m.canonical + " (" + m.category + ", severity " + m.severity + ") " + m.begin + "–" + m.end)))
      : "none"]);
    out.push(h("div", { id: "pii-table" }, table(["Type", "Mode", "Matches"], pii)));
    out.push(h("h3", {}, "Masked copy"), h("pre", { id: "masked", class: "highlight" }, a.masked));
    const lang = a.language;
    const sent = a.sentiment;
    const facts = [];
    if (lang) facts.push(["Language", lang.code + " " + lang.label + " (" + fmt(lang.score) + (lang.reliable ? ", reliable" : ", unreliable") + ")" + (lang.hit ? " · not an expected language" : "")]);
    if (sent) facts.push(["Sentiment", sent.label + " " + fmt(sent.score)]);
    if (a.quality) facts.push(["Quality", Object.entries(a.quality).map(([k, v]) => k + " " + fmt(v)).join(" · ") || "–"]);
    out.push(h("h3", {}, "Language, sentiment, quality"), table(["Detector", "Output"], facts));
    if (a.corrected !== undefined) out.push(h("h3", {}, "Spelling-corrected copy"), h("pre", { id: "corrected", class: "highlight" }, a.corrected));
    if (data.loading.length) out.push(h("p", { class: "muted small", id: "loading" }, "Still loading (first use): " + data.loading.join(", ") + ". Classify again in a few seconds."));
    return out;
  }

  // Settings: each label's flag and review rates on the project's recent traffic at the saved
  // thresholds and at those typed (asked for as the user types, before saving).
  let refreshRates = async () => {};

  function percent(rate) { return rate === null ? "–" : (100 * rate).toFixed(1) + " %"; }

  function count(n) { return Number(n).toLocaleString("en-US"); }

  // A count is estimated (the kept rows' weights summed: a row stands for the texts of its
  // interval), so each is shown with the sampled rows it rests on.
  function rateText(r, scored, rows) {
    if (r.threshold === null) return "off";
    return percent(r.rate) + " (≈" + count(r.flagged) + " of " + count(scored) + " texts, "
      + count(r.rows) + " of " + count(rows) + " sampled) at " + r.threshold;
  }

  function renderRates(box, data) {
    show(box.querySelector("#flag-rates-basis"), data.texts
      ? "≈" + count(data.texts) + " text" + (data.texts === 1 ? "" : "s") + " (" + count(data.rows)
        + " sampled) from " + data.first + " to " + data.last
        + " (a sample of at most " + data.most_per_minute + " a minute of the last " + data.window_days
        + " days, at most the latest " + data.keep + ")."
      : "No texts of this project in the last " + data.window_days + " days yet.");
    for (const [label, r] of Object.entries(data.labels)) {
      const row = box.querySelector('tr[data-rates="' + CSS.escape(label) + '"]');
      if (!row) continue;
      row.querySelector(".rate-current").textContent = rateText(r.current, r.scored, r.rows);
      row.querySelector(".rate-current-review").textContent = rateText(r.current.review, r.scored, r.rows);
      row.querySelector(".rate-proposed").textContent = r.proposed ? rateText(r.proposed, r.scored, r.rows) : "–";
      row.querySelector(".rate-proposed-review").textContent = r.proposed ? rateText(r.proposed.review, r.scored, r.rows) : "–";
    }
  }

  function flagRates() {
    const box = document.querySelector("#flag-rates[data-source]");
    if (!box) return;
    const form = box.closest("form");
    let timer = null;
    let asked = 0;
    refreshRates = async () => {
      const params = new URLSearchParams();
      // As saving would send them: the fields changed, an empty one as off (the server
      // derives what is left out as it would on saving).
      for (const row of form.querySelectorAll("tr[data-pair]")) {
        const label = row.dataset.pair;
        if (!box.querySelector('tr[data-rates="' + CSS.escape(label) + '"]')) continue;  // no rates kept
        for (const [key, suffix] of [["reject", ""], ["review", ".review"]]) {
          const input = row.querySelector('input[name$=".' + key + '"]');
          const value = input.value.trim();
          if (value === input.dataset.initial) continue;
          if (value === "" ? input.required : !(Number(value) >= 0 && Number(value) <= 1)) continue;
          params.set(label + suffix, value === "" ? "off" : value);
        }
      }
      const mine = ++asked;  // an older answer arriving late must not overwrite a newer one
      try {
        const data = await call("GET", box.dataset.source + "?" + params);
        if (mine !== asked) return;
        show(box.querySelector("#flag-rates-error"), "");
        renderRates(box, data);
      } catch (err) {
        if (mine === asked) show(box.querySelector("#flag-rates-error"), err.message);
      }
    };
    form.addEventListener("input", (ev) => {
      if (!ev.target.name || !ev.target.name.startsWith("thresholds.")) return;
      clearTimeout(timer);
      timer = setTimeout(refreshRates, 200);
    });
    refreshRates();
  }

  // A row of the Settings page's pairs shown as saved: its fields (and what they count as
  // unchanged), whether the project set it or it follows the default.
  function showPair(row, data) {
    const label = row.dataset.pair;
    const pair = data.pairs[label];
    if (!pair) return;
    for (const key of ["reject", "review"]) {
      const input = row.querySelector('input[name="thresholds.' + CSS.escape(label) + "." + key + '"]');
      if (!input) continue;
      input.value = input.dataset.initial = pair[key] === null ? "" : String(pair[key]);
    }
    const own = Object.prototype.hasOwnProperty.call(data.own || {}, label);
    row.querySelector(".pair-source").textContent = own ? "this project" : "default";
    const button = row.querySelector("button[data-api]");
    if (button) button.hidden = !own;
  }

  const renderers = {
    reload() { location.reload(); },

    saved(data, out, form) {
      show(form.querySelector(".ok"), "Saved at " + new Date().toLocaleTimeString() + ".");
      if (data.pairs) for (const row of form.querySelectorAll("tr[data-pair]")) showPair(row, data);
      return refreshRates();  // the saved thresholds are now the current ones
    },

    pairDefault(data, out, button) {  // one label back to the default: only its row changes
      const row = button.closest("tr[data-pair]");
      showPair(row, data);
      row.querySelector("input")?.focus();  // the Default button is hidden now
      return refreshRates();
    },

    playground(data, out) {
      const r = data.result;
      const rows = [["toxicity", "toxic", "toxicityConfidence"], ["sexual", "sexual", "sexualConfidence"],
                    ["phishing", "phishing", "phishingConfidence"]]
        .filter(([, , c]) => c in r)
        .map(([label, d, c]) => h("tr", { class: r[d] ? "flagged" : "" },
          h("th", { scope: "row" }, label), h("td", {}, fmt(r[c])), h("td", {}, fmt(data.thresholds[label])),
          h("td", { "data-decision": label }, h("span", { class: "badge " + (r[d] ? "off" : "on") }, r[d] ? "flagged" : "ok"))));
      const blocked = rows.some((tr) => tr.className === "flagged");
      const text = h("p", { class: "highlight" }, data.segments.map((s) => s.match
        ? h("mark", { title: s.match.term + " (" + s.match.category + ", severity " + s.match.severity + ")" }, s.text)
        : s.text));
      const others = Object.entries(data.scores).filter(([k]) => !(k in data.thresholds))
        .map(([k, v]) => k + " " + fmt(v)).join(" · ");
      out.replaceChildren(
        h("h2", {}, "Decision: ", h("span", { id: "decision", class: "badge " + (blocked ? "off" : "on") }, blocked ? "flagged" : "allowed")),
        h("div", { class: "scroll" }, h("table", {},
          h("thead", {}, h("tr", {}, ["Label", "Confidence", "Threshold", "Decision"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, rows))),
        h("h3", {}, data.matches + " lexicon match" + (data.matches === 1 ? "" : "es")),
        text,
        h("p", { class: "muted small" }, "Other scores: " + others),
        h("p", { class: "muted small" }, "Model " + r.modelVersion),
        ...analysis(data),
      );
    },

    keyCreated(data, out) {
      out.replaceChildren(
        h("p", {}, h("strong", {}, "Key “" + data.name + "” created."), " Copy it now: it is shown only this once."),
        h("div", { class: "copy-row" }, h("code", { id: "new-key-value" }, data.key),
          h("button", { type: "button", "data-copy": "#new-key-value" }, "Copy")),
      );
      const tbody = document.querySelector("#keys-table tbody");
      if (tbody) {
        tbody.querySelector("tr.empty")?.remove();
        const api = document.querySelector('meta[name="api-base"]').content;
        tbody.prepend(h("tr", {}, h("td", { "data-label": "Name" }, data.name),
          h("td", { "data-label": "Prefix" }, h("code", {}, data.prefix + "…")),
          h("td", { "data-label": "Created" }, data.created_at), h("td", { "data-label": "Last used" }, "–"),
          h("td", { "data-label": "Status" }, h("span", { class: "badge on" }, "active")),
          h("td", {}, h("button", { type: "button", class: "danger", "data-api": api + "/keys/" + encodeURIComponent(data.id) + "/revoke",
            "data-method": "POST", "data-confirm": "Revoke key " + data.name + "? Clients using it will be refused." }, "Revoke"))));
      }
    },

    secret(data, out) {
      out.replaceChildren(h("code", { id: "secret-value" }, data.secret),
        h("button", { type: "button", "data-copy": "#secret-value" }, "Copy"));
    },

    webhookCreated(data, out, form) {
      // Cleared, and its button off until the next edit: a second click must not add a twin.
      form.reset();
      const submit = form.querySelector('button[type="submit"]');
      if (submit) {
        submit.disabled = true;
        form.addEventListener("input", () => { submit.disabled = false; }, { once: true });
      }
      const page = "/admin/webhooks/" + encodeURIComponent(data.id) + location.search;
      out.replaceChildren(
        h("p", {}, h("strong", {}, "Webhook created."), " Its signing secret (you can reveal it again on ",
          h("a", { href: page }, "the webhook's page"), "):"),
        h("div", { class: "copy-row" }, h("code", { id: "new-secret" }, data.secret),
          h("button", { type: "button", "data-copy": "#new-secret" }, "Copy")),
      );
      const tbody = document.querySelector("#webhooks-table tbody");
      if (tbody) {
        tbody.querySelector("tr.empty")?.remove();
        tbody.prepend(h("tr", {}, h("td", { class: "url", "data-label": "URL" }, h("a", { href: page }, data.url)),
          h("td", { "data-label": "Events" }, data.events.join(", ")),
          h("td", { "data-label": "Status" }, h("span", { class: "badge on" }, "enabled")),
          h("td", { "data-label": "Last success" }, "–"), h("td", { "data-label": "Description" }, data.description)));
      }
      // The secret is shown once: bring the notice into view, above the table.
      out.scrollIntoView({ block: "start" });
      out.focus({ preventScroll: true });
    },

    replayed(data, out) {
      show(out, data.queued.length + " deliver" + (data.queued.length === 1 ? "y" : "ies") + " queued again.");
      refreshDeliveries().catch(() => {});
    },

    testResult(data, out) {
      const ok = data.ok;
      out.replaceChildren(h("span", { class: "badge " + (ok ? "on" : "off") }, ok ? "delivered" : "failed"),
        " status " + (data.status === null || data.status === undefined ? "–" : data.status),
        " · " + Math.round(data.latency_ms || 0) + " ms",
        data.error ? " · " + data.error : "");
      return refreshDeliveries();
    },
  };

  async function run(el, method, url, body) {
    const out = el.dataset.output ? document.querySelector(el.dataset.output) : null;
    const error = el.querySelector && el.querySelector(".error");
    show(error, "");
    el.setAttribute("aria-busy", "true");
    try {
      const data = await call(method, url, body);
      const render = renderers[el.dataset.render || "reload"];
      if (out) out.hidden = false;
      await render(data, out, el);
    } catch (err) {
      if (error) show(error, err.message);
      else window.alert(err.message);
    } finally {
      el.removeAttribute("aria-busy");
    }
  }

  flagRates();

  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!form.dataset || !form.dataset.api) return;
    ev.preventDefault();
    run(form, form.dataset.method || "POST", form.dataset.api, formBody(form));
  });

  document.addEventListener("click", async (ev) => {
    const copy = ev.target.closest("[data-copy]");
    if (copy) {
      const text = document.querySelector(copy.dataset.copy).textContent;
      try {
        await navigator.clipboard.writeText(text);
      } catch (_) {
        const range = document.createRange();
        range.selectNodeContents(document.querySelector(copy.dataset.copy));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        document.execCommand("copy");
      }
      copy.textContent = "Copied";
      return;
    }
    const button = ev.target.closest("button[data-api]");
    if (!button) return;
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : undefined;
    run(button, button.dataset.method || "POST", button.dataset.api, body);
  });
})();
