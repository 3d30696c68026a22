// The scenario editor: add, remove and reorder rows, keep component lists in step, re-run
// the rule-set check as the author types, and warn before unsaved work is left behind.
// The page works as a plain form without this file.
import { csrfToken } from "./lib/classroom.js";
import { el } from "./lib/dom.js";
import { announcer, startModules } from "./lib/live.js";

const LABELS = { components: "component", variants: "variant", tasks: "task" };

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40)
    .replace(/-+$/, "");
}

function capital(text) {
  return `${text[0].toUpperCase()}${text.slice(1)}`;
}

function start(form) {
  const page = form.closest(".authoring") || document.body;
  const live = page.querySelector(".js-check-summary");
  const announce = announcer(page.querySelector(".js-editor-status"));
  const lists = (kind) => form.querySelector(`.js-rows[data-kind="${kind}"]`);
  const rowsOf = (kind) => [...lists(kind).querySelectorAll(":scope > .js-row")];

  // --- rows --------------------------------------------------------------------------
  // A new row takes a number above every one in use by a field of that kind, so its
  // fields can never share a name with another row's (the server refuses such a form).
  function nextIndex(kind) {
    const pattern = new RegExp(`^${kind}-(\\d+)-`);
    let highest = -1;
    for (const field of form.elements) {
      const match = pattern.exec(field.name || "");
      if (match) highest = Math.max(highest, Number(match[1]));
    }
    for (const row of rowsOf(kind)) highest = Math.max(highest, Number(row.dataset.index) || 0);
    return highest + 1;
  }

  function enhanceRow(row, kind) {
    const remove = row.querySelector(".js-remove");
    if (remove && !remove.dataset.enhanced) {
      remove.dataset.enhanced = "yes";
      const button = el("button", {
        type: "button", class: "button button--small button--quiet js-remove-row",
        "aria-label": `Remove this ${LABELS[kind]}`,
      }, "Remove");
      remove.closest(".field--remove").replaceChildren(button);
    }
    const move = row.querySelector(".js-move");
    if (move) move.hidden = false;
  }

  function removeRow(row, kind) {
    row.remove();
    form.querySelector(`.js-add-row[data-kind="${kind}"]`)?.focus();
    if (kind === "components") syncComponents();
    renumberTasks();
    changed();
    announce(`${capital(LABELS[kind])} removed.`);
  }

  function addRow(kind) {
    const template = form.querySelector(`.js-row-template[data-kind="${kind}"]`);
    const holder = document.createElement("template");
    holder.innerHTML = template.innerHTML.replaceAll("__i__", String(nextIndex(kind))).trim();
    const row = holder.content.firstElementChild;
    if (kind === "components") row.dataset.newId = "yes";
    lists(kind).append(row);
    enhanceRow(row, kind);
    syncComponents();
    renumberTasks();
    row.querySelector("input:not([type='hidden']), select, textarea")?.focus();
    announce(`${capital(LABELS[kind])} ${rowsOf(kind).length} added.`);
    changed();
  }

  for (const kind of Object.keys(LABELS)) {
    const list = lists(kind);
    if (!list) continue;
    list.querySelectorAll(".js-blank").forEach((row) => row.remove());
    rowsOf(kind).forEach((row) => enhanceRow(row, kind));
    list.addEventListener("click", (event) => {
      const row = event.target.closest(".js-row");
      if (!row) return;
      if (event.target.closest(".js-remove-row")) removeRow(row, kind);
      const move = event.target.closest(".js-move-up, .js-move-down");
      if (move) moveTask(row, move);
    });
  }
  form.querySelectorAll(".js-add-row").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => addRow(button.dataset.kind));
  });

  // --- tasks: numbered in page order, moved with buttons, summed up on one line --------
  function renumberTasks() {
    const rows = rowsOf("tasks");
    rows.forEach((row, n) => {
      const number = row.querySelector(".js-task-number");
      if (number) number.textContent = String(n + 1);
      row.querySelector(".js-move-up")?.setAttribute("aria-disabled", String(n === 0));
      row.querySelector(".js-move-down")?.setAttribute("aria-disabled",
        String(n === rows.length - 1));
    });
  }

  function moveTask(row, button) {
    if (button.getAttribute("aria-disabled") === "true") return;
    const up = button.matches(".js-move-up");
    const other = up ? row.previousElementSibling : row.nextElementSibling;
    if (!other || !other.matches(".js-row")) return;
    if (up) other.before(row);
    else other.after(row);
    renumberTasks();
    const rows = rowsOf("tasks");
    const position = rows.indexOf(row) + 1;
    button.focus(); // moving the row took the focus away
    announce(`Task moved to position ${position} of ${rows.length}.`);
    changed();
  }

  function summariseTask(row) {
    const title = row.querySelector(".js-task-title");
    const text = row.querySelector(".js-task-text");
    if (title && text) title.textContent = text.value.trim() || "New task";
    const component = row.querySelector(".js-component-select");
    const label = row.querySelector(".js-task-component");
    if (component && label) {
      label.textContent = component.value
        ? component.selectedOptions[0].textContent : "No component";
    }
  }

  // --- components: new ones get an id when named; every list of components follows ----
  function components() {
    return rowsOf("components").map((row) => ({
      id: row.querySelector(".js-component-id").value,
      name: row.querySelector(".js-component-name").value.trim(),
      service: row.querySelector("select:not(.js-inside-select)"),
    })).filter((c) => c.id);
  }

  // A new component's id follows its name as it is typed, so it shows in every list at
  // once (and the page does not shift under the pointer when the name field is left);
  // it stops following once a task or a variant uses it. Saved ids never change.
  function used(id) {
    return [...form.querySelectorAll(".js-component-select, .js-inside-select")]
      .some((s) => s.value === id)
      || [...form.querySelectorAll(`.js-variant-service[data-component="${id}"] select`)]
        .some((s) => s.value !== "");
  }

  function nameComponent(row) {
    const idInput = row.querySelector(".js-component-id");
    const name = row.querySelector(".js-component-name").value;
    if (row.dataset.newId && used(idInput.value)) delete row.dataset.newId;
    if (idInput.value && !row.dataset.newId) return;
    if (!name.trim()) {
      idInput.value = "";
      return;
    }
    const taken = new Set(components().filter((c) => c.id !== idInput.value).map((c) => c.id));
    const base = slug(name) || `component-${Number(row.dataset.index) + 1}`;
    let candidate = base;
    for (let n = 2; taken.has(candidate); n += 1) candidate = `${base}-${n}`;
    idInput.value = candidate;
  }

  function variantField(prefix, c) {
    const name = `${prefix}service-${c.id}`;
    const field = el("div", { class: "field js-variant-service", "data-component": c.id });
    const label = el("label", { for: name });
    label.append(el("span", { class: "js-variant-component" }), " runs on");
    const select = c.service.cloneNode(true);
    select.id = name;
    select.name = name;
    select.value = "";
    select.options[0].textContent = "Unchanged";
    select.removeAttribute("aria-invalid");
    select.removeAttribute("aria-describedby");
    field.append(label, select);
    return field;
  }

  function syncComponents() {
    const list = components();
    form.querySelectorAll(".js-component-select").forEach((select) => {
      const chosen = select.value;
      const keep = select.options[0];
      select.replaceChildren(keep);
      for (const c of list) {
        const option = new Option(c.name || c.id, c.id);
        option.selected = c.id === chosen;
        select.append(option);
      }
    });
    // a component sits inside any other one (never itself); a choice that went away
    // falls back to "nothing", as a removed component's tasks do
    rowsOf("components").forEach((row) => {
      const select = row.querySelector(".js-inside-select");
      if (!select) return;
      const own = row.querySelector(".js-component-id").value;
      const chosen = select.value;
      const keep = select.options[0];
      select.replaceChildren(keep);
      for (const c of list.filter((other) => other.id !== own)) {
        const option = new Option(c.name || c.id, c.id);
        option.selected = c.id === chosen;
        select.append(option);
      }
    });
    form.querySelectorAll(".js-variant-services").forEach((box) => {
      const existing = new Map([...box.querySelectorAll(".js-variant-service")]
        .map((field) => [field.dataset.component, field]));
      for (const c of list) {
        const field = existing.get(c.id) || variantField(box.dataset.prefix, c);
        field.querySelector(".js-variant-component").textContent = c.name || c.id;
        box.append(field); // keeps the order of the components
        existing.delete(c.id);
      }
      existing.forEach((field) => field.remove());
    });
    rowsOf("tasks").forEach(summariseTask);
  }

  form.addEventListener("input", (event) => {
    if (event.target.matches(".js-task-text")) summariseTask(event.target.closest(".js-row"));
    if (event.target.matches(".js-component-name")) {
      nameComponent(event.target.closest(".js-row"));
      syncComponents();
    }
  });
  form.addEventListener("change", (event) => {
    if (event.target.closest(".js-rows[data-kind='components']")) syncComponents();
    if (event.target.matches(".js-component-select")) {
      summariseTask(event.target.closest(".js-row"));
    }
    if (event.target.matches("#mode")) showSettings();
  });

  // --- settings: the assessment-only ones show in assessment mode (or with an error) ----
  const mode = form.querySelector("#mode");
  const assessment = form.querySelector(".js-assessment-only");
  function showSettings() {
    if (!mode || !assessment) return;
    assessment.querySelector(".js-assessment-note")?.setAttribute("hidden", "");
    assessment.hidden = mode.value !== "assessment"
      && !assessment.querySelector("[aria-invalid='true']");
  }
  showSettings();

  // --- problems link to their field: open its task and put the focus there ------------
  page.addEventListener("click", (event) => {
    const link = event.target.closest(".js-goto");
    if (!link) return;
    const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    const details = field.closest("details");
    if (details) details.open = true;
    field.focus();
  });

  // --- the live check ----------------------------------------------------------------
  function renderDerived(box, task) {
    const list = el("ul", { class: "derived__list" });
    for (const d of task.derived) {
      const item = el("li", { class: `derived__item derived__item--${d.party || "none"}` });
      if (d.variant_title) {
        item.append(el("span", { class: "derived__variant" }, `${d.variant_title}:`), " ");
      }
      if (d.party) {
        item.append(el("strong", { class: "derived__party" }, d.party_name), " ");
        if (d.control_name) {
          item.append(el("span", { class: "derived__control" }, `(${d.control_name})`), " ");
        }
        if (d.outside_parties) {
          item.classList.add("derived__item--outside");
          item.append(el("span", { class: "derived__flag" },
            "⚠ not a zone of this scenario: tick “Offer a Shared zone” or change the task"), " ");
        }
        const why = d.task_explanation ? `${d.task_explanation} ${d.explanation}` : d.explanation;
        item.append(el("span", { class: "derived__why" }, why));
      } else {
        item.append(el("strong", { class: "derived__flag" }, "⚠ No rule"), " ",
          el("span", { class: "derived__why" }, "The rule set does not decide this area"
            + `${d.service_name ? ` on ${d.service_name}` : ""}. Pick another area or component.`));
      }
      list.append(item);
    }
    box.replaceChildren(list);
    for (const problem of task.problems) {
      box.append(el("p", { class: "derived__problem" }, `⚠ ${problem.message}`));
    }
  }

  function problemItem(problem) {
    const item = el("li");
    if (problem.target) {
      item.append(el("a", { href: `#${problem.target}`, class: "js-goto" }, problem.message));
    } else {
      item.textContent = problem.message;
    }
    return item;
  }

  function renderSummary(body) {
    const parts = body.form_errors.map((message) => el("p", { class: "check-panel__bad" },
      `⚠ ${message}`));
    if (Object.keys(body.errors).length) {
      parts.push(el("p", { class: "check-panel__bad" },
        "⚠ Some fields hold values that cannot be saved; they are marked when you save."));
    }
    if (body.ok) {
      parts.push(el("p", { class: "check-panel__ok" },
        "✓ Every task is decided by a rule. Ready to publish."));
    } else {
      const n = body.problems.length;
      parts.push(el("p", { class: "check-panel__bad" },
        `⚠ ${n} problem${n > 1 ? "s" : ""} to fix before publishing:`));
      const list = el("ul", { class: "check-panel__problems" });
      list.append(...body.problems.map(problemItem));
      parts.push(list);
    }
    live.replaceChildren(...parts);
  }

  let timer = null;
  let controller = null;
  async function check() {
    if (controller) controller.abort();
    controller = new AbortController();
    const data = new FormData(form);
    data.delete("action");
    form.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.dataset.checkUrl, {
        method: "POST", body: data, signal: controller.signal,
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`check failed (${response.status})`);
      const body = await response.json();
      const rows = new Map(rowsOf("tasks").map((row) => [Number(row.dataset.index), row]));
      for (const task of body.tasks) {
        const row = rows.get(task.index);
        if (!row) continue;
        row.classList.toggle("task-row--flagged", task.flagged);
        renderDerived(row.querySelector(".js-derived"), task);
        const owner = row.querySelector(".js-task-owner");
        if (owner) owner.textContent = task.owner;
        rows.delete(task.index);
      }
      rows.forEach((row) => {
        row.classList.remove("task-row--flagged");
        row.querySelector(".js-derived").replaceChildren();
      });
      renderSummary(body);
    } catch (error) {
      if (error.name !== "AbortError") {
        live.replaceChildren(el("p", { class: "check-panel__bad" },
          "The check could not run just now; saving still works."));
      }
    } finally {
      form.removeAttribute("aria-busy");
    }
  }

  function changed() {
    clearTimeout(timer);
    timer = setTimeout(check, 350);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // --- unsaved work: any way out of the page asks first, saving does not ----------------
  renumberTasks();
  const snapshot = () => new URLSearchParams(new FormData(form)).toString();
  // a page shown again after a refused save holds work that is not stored yet
  const saved = form.dataset.unsaved ? null : snapshot();
  let submitting = false;
  form.addEventListener("submit", () => { submitting = true; });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) submitting = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (submitting || snapshot() === saved) return; // (never equal to null)
    event.preventDefault();
    event.returnValue = ""; // older browsers ask only when this is set
  });

  // --- the sticky Save/Publish bar never hides the focused control ----------------------
  const bar = form.querySelector(".editor__actions");
  if (bar && "ResizeObserver" in window) {
    const fit = () => document.documentElement.style.setProperty("--editor-bar",
      `${Math.ceil(bar.getBoundingClientRect().height)}px`);
    new ResizeObserver(fit).observe(bar);
    fit();
  }
}

startModules("author-editor", start);
