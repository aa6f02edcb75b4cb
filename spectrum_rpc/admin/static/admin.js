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
      if (el.type === "checkbox" && el.hasAttribute("data-list")) {
        out[el.name] = out[el.name] || [];
        if (el.checked) out[el.name].push(el.value);
        continue;
      }
      if (el.type === "checkbox") value = el.checked;
      else if (el.type === "number") {
        if (value === "") continue;
        value = Number(value);
      } else if (value === "" && el.hasAttribute("data-optional")) continue;
      setPath(out, el.name.split("."), value);
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

  const renderers = {
    reload() { location.reload(); },

    saved(data, out, form) {
      show(form.querySelector(".ok"), "Saved at " + new Date().toLocaleTimeString() + ".");
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
