// The scenario editor: add and remove rows, keep component lists in step, and re-run the
// rule-set check as the author types. The page works as a plain form without this file.

const EDITOR = document.querySelector('[data-module="author-editor"]');

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40)
    .replace(/-+$/, '');
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function start(form) {
  if (form.dataset.started) return;
  form.dataset.started = 'yes';
  const live = document.querySelector('.js-check-summary');
  const lists = (kind) => form.querySelector(`.js-rows[data-kind="${kind}"]`);

  // --- rows --------------------------------------------------------------------------
  function nextIndex(kind) {
    const indices = [...lists(kind).querySelectorAll(':scope > .js-row')]
      .map((row) => Number(row.dataset.index));
    return indices.length ? Math.max(...indices) + 1 : 0;
  }

  function enhanceRow(row, kind) {
    const remove = row.querySelector('.js-remove');
    if (!remove || remove.dataset.enhanced) return;
    remove.dataset.enhanced = 'yes';
    const holder = remove.closest('.field--remove');
    const label = kind === 'tasks' ? 'task' : kind === 'variants' ? 'variant' : 'component';
    const button = el('button', 'button button--small button--quiet', 'Remove');
    button.type = 'button';
    button.setAttribute('aria-label', `Remove this ${label}`);
    button.addEventListener('click', () => {
      const addButton = form.querySelector(`.js-add-row[data-kind="${kind}"]`);
      row.remove();
      if (addButton) addButton.focus();
      changed();
      announce(`${label[0].toUpperCase()}${label.slice(1)} removed.`);
    });
    holder.replaceChildren(button);
  }

  function addRow(kind) {
    const template = form.querySelector(`.js-row-template[data-kind="${kind}"]`);
    const index = nextIndex(kind);
    const html = template.innerHTML.replaceAll('__i__', String(index));
    const holder = document.createElement('template');
    holder.innerHTML = html.trim();
    const row = holder.content.firstElementChild;
    lists(kind).append(row);
    enhanceRow(row, kind);
    syncComponents();
    const first = row.querySelector('input:not([type="hidden"]), select, textarea');
    if (first) first.focus();
  }

  for (const kind of ['components', 'variants', 'tasks']) {
    const list = lists(kind);
    if (!list) continue;
    list.querySelectorAll('.js-blank').forEach((row) => row.remove());
    list.querySelectorAll(':scope > .js-row').forEach((row) => enhanceRow(row, kind));
  }
  form.querySelectorAll('.js-add-row').forEach((button) => {
    button.hidden = false;
    button.addEventListener('click', () => addRow(button.dataset.kind));
  });

  // --- components: new ones get an id when named; every list of components follows ----
  function components() {
    return [...lists('components').querySelectorAll(':scope > .js-row')].map((row) => ({
      id: row.querySelector('.js-component-id').value,
      name: row.querySelector('.js-component-name').value.trim(),
      service: row.querySelector('select'),
    })).filter((c) => c.id);
  }

  function nameComponent(row) {
    const idInput = row.querySelector('.js-component-id');
    const name = row.querySelector('.js-component-name').value;
    if (idInput.value || !name.trim()) return;
    const taken = new Set(components().map((c) => c.id));
    let base = slug(name) || `component-${Number(row.dataset.index) + 1}`;
    let candidate = base;
    for (let n = 2; taken.has(candidate); n += 1) candidate = `${base}-${n}`;
    idInput.value = candidate;
  }

  function syncComponents() {
    const list = components();
    form.querySelectorAll('.js-component-select').forEach((select) => {
      const chosen = select.value;
      const keep = select.options[0];
      select.replaceChildren(keep);
      for (const c of list) {
        const option = new Option(c.name || c.id, c.id);
        option.selected = c.id === chosen;
        select.append(option);
      }
    });
    form.querySelectorAll('.js-variant-services').forEach((box) => {
      const prefix = box.dataset.prefix;
      const existing = new Map([...box.querySelectorAll('.js-variant-service')]
        .map((field) => [field.dataset.component, field]));
      for (const c of list) {
        let field = existing.get(c.id);
        if (!field) {
          field = el('div', 'field js-variant-service');
          field.dataset.component = c.id;
          const name = `${prefix}service-${c.id}`;
          const label = el('label');
          label.htmlFor = name;
          label.append(el('span', 'js-variant-component'), ' runs on');
          const select = c.service.cloneNode(true);
          select.id = name;
          select.name = name;
          select.value = '';
          select.options[0].textContent = 'Unchanged';
          select.removeAttribute('aria-invalid');
          select.removeAttribute('aria-describedby');
          field.append(label, select);
        }
        field.querySelector('.js-variant-component').textContent = c.name || c.id;
        box.append(field);  // keeps the order of the components
        existing.delete(c.id);
      }
      existing.forEach((field) => field.remove());
    });
  }

  form.addEventListener('change', (event) => {
    if (event.target.matches('.js-component-name')) {
      nameComponent(event.target.closest('.js-row'));
    }
    if (event.target.closest('.js-rows[data-kind="components"]')) syncComponents();
  });

  // --- the live check ----------------------------------------------------------------
  function announce(text) {
    const status = document.querySelector('.js-editor-status') || (() => {
      const node = el('p', 'visually-hidden js-editor-status');
      node.setAttribute('role', 'status');
      form.append(node);
      return node;
    })();
    status.textContent = text;
  }

  function renderDerived(box, task) {
    const list = el('ul', 'derived__list');
    for (const d of task.derived) {
      const item = el('li', `derived__item derived__item--${d.party || 'none'}`);
      if (d.variant_title) item.append(el('span', 'derived__variant', `${d.variant_title}:`), ' ');
      if (d.party) {
        item.append(el('strong', 'derived__party', d.party_name), ' ');
        if (d.outside_parties) {
          item.classList.add('derived__item--outside');
          item.append(el('span', 'derived__flag',
            '⚠ not a zone of this scenario: tick “Offer a Shared zone” or change the task'), ' ');
        }
        item.append(el('span', 'derived__why', d.explanation));
      } else {
        item.append(el('strong', 'derived__flag', '⚠ No rule'), ' ', el('span', 'derived__why',
          `The rule set does not decide this area${d.service_name ? ` on ${d.service_name}` : ''}. ` +
          'Pick another area or component.'));
      }
      list.append(item);
    }
    box.replaceChildren(list);
    for (const message of task.problems) {
      if (!message.includes('no rule')) box.append(el('p', 'derived__problem', `⚠ ${message}`));
    }
  }

  function renderSummary(body) {
    const parts = [];
    if (Object.keys(body.errors).length) {
      parts.push(el('p', 'check-panel__bad',
        '⚠ Some fields hold values that cannot be saved; they are marked when you save.'));
    }
    if (body.ok) {
      parts.push(el('p', 'check-panel__ok', '✓ Every task is decided by a rule. Ready to publish.'));
    } else {
      const n = body.problems.length;
      parts.push(el('p', 'check-panel__bad',
        `⚠ ${n} problem${n > 1 ? 's' : ''} to fix before publishing:`));
      const list = el('ul', 'check-panel__problems');
      body.problems.forEach((p) => list.append(el('li', '', p)));
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
    data.delete('action');
    form.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(form.dataset.checkUrl, {
        method: 'POST', body: data, signal: controller.signal,
        headers: { 'X-CSRFToken': csrfToken(), Accept: 'application/json' },
        credentials: 'same-origin',
      });
      if (!response.ok) throw new Error(`check failed (${response.status})`);
      const body = await response.json();
      const rows = new Map([...lists('tasks').querySelectorAll(':scope > .js-row')]
        .map((row) => [Number(row.dataset.index), row]));
      rows.forEach((row) => {
        row.classList.remove('task-row--flagged');
        row.querySelector('.js-derived').replaceChildren();
      });
      for (const task of body.tasks) {
        const row = rows.get(task.index);
        if (!row) continue;
        row.classList.toggle('task-row--flagged', task.flagged);
        renderDerived(row.querySelector('.js-derived'), task);
      }
      renderSummary(body);
    } catch (error) {
      if (error.name !== 'AbortError') {
        live.replaceChildren(el('p', 'check-panel__bad',
          'The check could not run just now; saving still works.'));
      }
    } finally {
      form.removeAttribute('aria-busy');
    }
  }

  function changed() {
    clearTimeout(timer);
    timer = setTimeout(check, 350);
  }
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
}

if (EDITOR) start(EDITOR);
