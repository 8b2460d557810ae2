// oom top, live: the table of /oom refreshed from /api/v1/oom/top (text only, via textContent).
"use strict";
(function () {
  const table = document.getElementById("oom-top");
  if (!table) return;
  const every = Number(table.dataset.refreshSeconds) || 5;
  let updates = 0;

  function cell(tr, text, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
  }

  async function refresh() {
    let doc;
    try {
      const resp = await fetch("/api/v1/oom/top", { credentials: "same-origin" });
      if (!resp.ok) return;
      doc = await resp.json();
    } catch (e) {
      return;
    }
    const rows = Array.from(table.querySelectorAll("tr")).slice(1);
    for (const r of rows) r.remove();
    for (const p of doc.processes.slice(0, 30)) {
      const tr = document.createElement("tr");
      if (doc.victim && p.pid === doc.victim.pid) tr.className = "victim";
      cell(tr, String(p.pid));
      cell(tr, p.user);
      cell(tr, p.comm, "comm");
      cell(tr, String(p.oom_score));
      cell(tr, String(p.oom_score_adj));
      cell(tr, (p.rss_bytes / 1048576).toFixed(1));
      cell(tr, (p.share_of_memory * 100).toFixed(2) + "%");
      cell(tr, p.cmdline, "cmd");
      table.appendChild(tr);
    }
    updates += 1;
    document.body.dataset.oomUpdates = String(updates);
  }

  setInterval(refresh, every * 1000);
})();
