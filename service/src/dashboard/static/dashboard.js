// The FastCart dashboard: polls /dashboard/data once a second and writes the figures into the page.
// Plain DOM and textContent only (no HTML from data), no build step. When the API asks for a token
// (DASHBOARD_AUTH=admin, the deployed default), a form takes an admin token, keeps it in this tab's
// sessionStorage and sends it as a Bearer header; a refused token brings the form back.
const TOKEN_KEY = "fastcart.dashboard.token";
const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

function text(id, value) {
  $(id).textContent = value;
}

function rows(id, records, cells) {
  const body = $(id);
  body.replaceChildren(
    ...records.map((record) => {
      const row = document.createElement("tr");
      for (const [value, className] of cells(record)) {
        const cell = document.createElement("td");
        cell.textContent = value;
        if (className) cell.className = className;
        row.append(cell);
      }
      return row;
    }),
  );
  if (records.length === 0) {
    const row = document.createElement("tr");
    const cell = document.createElement("td");
    cell.colSpan = body.closest("table").querySelectorAll("th").length;
    cell.className = "muted";
    cell.textContent = "none";
    row.append(cell);
    body.append(row);
  }
}

const ms = (value) => (value === null ? "–" : `${number.format(value)} ms`);
const money = (minor, currency) => `${(minor / 100).toFixed(2)} ${currency}`;

function render(data) {
  text("context", `${data.environment} · ${data.intakeMode} mode`);
  text("updated", `updated ${new Date(data.at).toLocaleTimeString()}`);
  text("accepted-rate", number.format(data.rates.acceptedPerSecond));
  text("decided-rate", number.format(data.rates.decidedPerSecond));
  text("latency-p50", ms(data.acceptLatencyMs.p50));
  text("latency-p99", ms(data.acceptLatencyMs.p99));
  text(
    "backlog-label",
    data.backlog.source === "pending-rows" ? "pending rows" : "backlog (accepted, undecided)",
  );
  text("backlog", data.backlog.pending === null ? "see shard lag" : number.format(data.backlog.pending));
  text("quarantined", data.quarantined === null ? "–" : number.format(data.quarantined));
  text("total-accepted", number.format(data.totals.accepted));
  text("total-confirmed", number.format(data.totals.confirmed));
  text("total-rejected", number.format(data.totals.rejected));
  rows("shards", data.backlog.shards, (s) => [[s.shard], [`${number.format(s.lagSeconds)} s`]]);
  rows(
    "rejections",
    Object.entries(data.rejections).sort((a, b) => b[1] - a[1]),
    ([reason, count]) => [[reason], [number.format(count)]],
  );
  rows("low-stock", data.lowStock, (p) => [[p.sku], [p.name], [number.format(p.stock)]]);
  rows("latest-orders", data.latestOrders, (o) => [
    [new Date(o.createdAt).toLocaleTimeString()],
    [o.orderId],
    [o.customerId],
    [o.rejectionReason ? `${o.status} (${o.rejectionReason})` : o.status, `status-${o.status}`],
    [money(o.total, o.currency)],
  ]);
}

function askForToken(message) {
  $("board").hidden = true;
  $("token-form").hidden = false;
  text("token-error", message ?? "");
  $("token-input").focus();
}

async function poll() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  try {
    const response = await fetch("/dashboard/data", {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      cache: "no-store",
    });
    if (response.status === 401 || response.status === 403) {
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken(token ? `token refused (${response.status}): an admin token is needed` : "");
      return;
    }
    if (!response.ok) throw new Error(`the API answered ${response.status}`);
    $("token-form").hidden = true;
    $("board").hidden = false;
    render(await response.json());
  } catch (error) {
    text("updated", `not updated: ${error.message}`);
  }
  setTimeout(poll, POLL_MS);
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
  $("token-input").value = "";
  void poll();
});

void poll();
