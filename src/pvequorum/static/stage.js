// The cluster stage: the nodes on their network, the QDevice and its connections, the vote
// tally of each side against its quorum line, and a time axis of what happens when.
// Drawn as SVG and animated with CSS transitions; every frame comes from Python
// (pvequorum.motion), this file only draws it.  Data is put into text nodes and attributes
// only (textContent / setAttribute), never into HTML: a node name cannot become markup.

const SVG = "http://www.w3.org/2000/svg";
const AXIS_W = 960;
let W = 960; // the drawing's width: set per scene, so that two nodes are drawn large
const HEIGHT = 392;
const ROW = { qdevice: 14, nodes: 120, bus: 262, tally: 318 };
const NODE_H = 112;
const CUT_GAP = 70;
const STATE_WORD = {
  quorate: "QUORATE",
  blocked: "BLOCKED",
  stopped: "stopped",
  down: "crashed",
  joining: "joining",
};

function make(tag, attrs, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

function label(parent, x, y, words, cls) {
  const node = make("text", { x, y, class: cls }, parent);
  node.textContent = words;
  return node;
}

// A long host name is squeezed into its box instead of running over its neighbours.
function fit(text, room) {
  text.removeAttribute("textLength");
  text.removeAttribute("lengthAdjust");
  const length = text.getComputedTextLength ? text.getComputedTextLength() : 0;
  if (length > room) {
    text.setAttribute("textLength", room);
    text.setAttribute("lengthAdjust", "spacingAndGlyphs");
  }
}

function html(tag, cls, parent, words) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (words !== undefined) node.textContent = words;
  if (parent) parent.appendChild(node);
  return node;
}

function seconds(ms) {
  return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1) + " s";
}

// Where each node sits: the network's sides left to right, a gap (the cut) between sides.
function layout(frame) {
  const sides = frame.network.length ? frame.network : [frame.nodes.map((n) => n.name)];
  const count = sides.reduce((sum, side) => sum + side.length, 0) || 1;
  const gaps = (sides.length - 1) * CUT_GAP;
  const slot = Math.min(230, (W - 40 - gaps) / count);
  const width = Math.max(24, slot - 14);
  const used = slot * count + gaps;
  let x = (W - used) / 2;
  const place = {};
  const spans = [];
  sides.forEach((side, index) => {
    const start = x;
    for (const name of side) {
      place[name] = x + (slot - width) / 2;
      x += slot;
    }
    spans.push({ index, side, x0: start, x1: x });
    x += CUT_GAP;
  });
  return { place, width, spans };
}

function drawQdevice(layer, scene, frame, geo) {
  layer.replaceChildren();
  if (!scene.qdevice) return;
  const boxW = 230;
  const x = (W - boxW) / 2;
  for (const node of frame.nodes) {
    const nx = geo.place[node.name] + geo.width / 2;
    const link = node.state === "stopped" || node.state === "down" ? "none" : node.qdevice;
    const line = make(
      "line",
      { x1: W / 2, y1: ROW.qdevice + 46, x2: nx, y2: ROW.nodes, class: "pvq-qlink" },
      layer,
    );
    line.dataset.node = node.name;
    line.dataset.link = link;
    if (link === "no vote") {
      const mx = (W / 2 + nx) / 2;
      const my = (ROW.qdevice + 46 + ROW.nodes) / 2;
      label(layer, mx, my + 6, "✕", "pvq-qcut");
    }
  }
  make("rect", { x, y: ROW.qdevice, width: boxW, height: 46, rx: 8, class: "pvq-qbox" }, layer);
  label(layer, W / 2, ROW.qdevice + 29, `QDevice (qnetd, ${scene.qdevice.algorithm})`, "pvq-qtext");
}

// knet links (the links preset): one curve per pair of nodes and per link, as knet sees it
// (what corosync-cfgtool -s prints).  Even links arc over the nodes, odd links under them;
// the link that carries totem is drawn thick, a dead link dashed with a cross, a link to a
// node that is not running faint.
const LINK_ROOM = { over: ROW.nodes - 6, under: ROW.nodes + NODE_H + 6 };

function drawLinks(layer, frame, geo) {
  const order = frame.nodes.map((n) => n.name);
  const index = Object.fromEntries(order.map((name, i) => [name, i]));
  const count = Math.max(1, ...frame.links.map((l) => l.link + 1));
  for (const l of frame.links) {
    const over = l.link % 2 === 0;
    const tier = Math.floor(l.link / 2);
    const spread = (l.link - (count - 1) / 2) * 14;
    const xa = geo.place[l.a] + geo.width / 2 + spread;
    const xb = geo.place[l.b] + geo.width / 2 + spread;
    const y = over ? LINK_ROOM.over : LINK_ROOM.under;
    const hops = Math.abs(index[l.b] - index[l.a]);
    const depth = (28 + 26 * (hops - 1) + 14 * tier) * 2; // a quadratic reaches half of it
    const cy = over ? y - depth : y + depth;
    const g = make("g", { class: "pvq-link" }, layer);
    g.dataset.a = l.a;
    g.dataset.b = l.b;
    g.dataset.link = String(l.link);
    g.dataset.state = l.state;
    g.dataset.carries = String(l.carries);
    make("path", { d: `M ${xa} ${y} Q ${(xa + xb) / 2} ${cy} ${xb} ${y}`, class: `pvq-link-line pvq-link-${l.link % 4}` }, g);
    const mx = (xa + xb) / 2;
    const my = (y + cy) / 2;
    if (l.state === "down") label(g, mx, my + 7, "✕", "pvq-link-cut");
    const tip = make("title", {}, g);
    const words = l.state === "connected" ? (l.carries ? "connected, carries totem" : "connected, standby") : l.state;
    tip.textContent = `link ${l.link} ${l.a} - ${l.b}: ${words}`;
  }
  label(layer, W - 16, 24, "thick: carries totem · thin: standby · dashed ✕: down", "pvq-link-key");
  for (let k = 0; k < count; k++) {
    const over = k % 2 === 0;
    const first = geo.place[order[0]];
    const y = over ? LINK_ROOM.over - 6 - 14 * Math.floor(k / 2) : LINK_ROOM.under + 18 + 14 * Math.floor(k / 2);
    label(layer, first - 8, y, `link ${k}`, `pvq-link-text pvq-link-text-${k % 4}`);
  }
}

function drawNetwork(layer, frame, geo) {
  layer.replaceChildren();
  if (frame.links && frame.links.length) {
    drawLinks(layer, frame, geo);
    geo.spans.forEach((span, i) => {
      if (i === 0) return;
      // between the node boxes, where no link curve runs: no link joins the two sides
      const cx = span.x0 - CUT_GAP / 2;
      const cy = ROW.nodes + NODE_H / 2 + 12;
      const cut = make("g", { class: "pvq-cut" }, layer);
      make("path", { d: `M ${cx - 10} ${cy - 18} L ${cx + 10} ${cy + 18}`, class: "pvq-cut-line" }, cut);
      make("path", { d: `M ${cx + 10} ${cy - 18} L ${cx - 10} ${cy + 18}`, class: "pvq-cut-line" }, cut);
      label(cut, cx, cy - 28, "no link", "pvq-cut-text");
    });
    return;
  }
  geo.spans.forEach((span, i) => {
    const x0 = geo.place[span.side[0]];
    const x1 = geo.place[span.side[span.side.length - 1]] + geo.width;
    const bus = make("line", { x1: x0, y1: ROW.bus, x2: x1, y2: ROW.bus, class: "pvq-bus" }, layer);
    bus.dataset.side = String(i);
    for (const name of span.side) {
      const cx = geo.place[name] + geo.width / 2;
      make("line", { x1: cx, y1: ROW.nodes + NODE_H, x2: cx, y2: ROW.bus, class: "pvq-drop" }, layer);
    }
    if (i > 0) {
      const cx = span.x0 - CUT_GAP / 2;
      const cut = make("g", { class: "pvq-cut" }, layer);
      make("path", { d: `M ${cx - 10} ${ROW.bus - 18} L ${cx + 10} ${ROW.bus + 18}`, class: "pvq-cut-line" }, cut);
      make("path", { d: `M ${cx + 10} ${ROW.bus - 18} L ${cx - 10} ${ROW.bus + 18}`, class: "pvq-cut-line" }, cut);
      label(cut, cx, ROW.bus - 26, "cut", "pvq-cut-text");
    }
  });
  const first = geo.spans[0];
  if (first) label(layer, geo.place[first.side[0]], ROW.bus + 22, "cluster network", "pvq-bus-text");
}

function drawNodes(layer, frame, geo, nodes) {
  const seen = new Set();
  for (const node of frame.nodes) {
    seen.add(node.name);
    let g = nodes.get(node.name);
    if (!g) {
      g = make("g", { class: "pvq-node" }, layer);
      g.dataset.name = node.name;
      g.dataset.state = node.state; // before fit() computes styles: no fade in from black
      make("rect", { x: 0, y: 0, rx: 10, height: NODE_H, class: "pvq-node-box" }, g);
      for (const cls of ["pvq-node-name", "pvq-node-state", "pvq-node-votes", "pvq-node-etc"]) {
        label(g, 0, 0, "", cls);
      }
      make("title", {}, g); // the whole name and state, also when squeezed
      g.style.transform = `translate(${geo.place[node.name]}px, ${ROW.nodes}px)`;
      nodes.set(node.name, g);
    }
    const [box, name, state, votes, etc, tip] = g.children;
    box.setAttribute("width", geo.width);
    const mid = geo.width / 2;
    for (const [text, y] of [[name, 28], [state, 54], [votes, 78], [etc, 100]]) {
      text.setAttribute("x", mid);
      text.setAttribute("y", y);
    }
    const narrow = geo.width < 110;
    name.textContent = node.name;
    state.textContent = STATE_WORD[node.state] || node.state;
    votes.textContent = `${node.votes} vote${node.votes === 1 ? "" : "s"}`;
    const running = node.state === "quorate" || node.state === "blocked";
    const etcWords = node.writable ? ["/etc/pve rw", "rw"] : ["/etc/pve READ-ONLY", "RO"];
    etc.textContent = running ? etcWords[narrow ? 1 : 0] : "";
    for (const text of [name, state, votes, etc]) fit(text, geo.width - 10);
    tip.textContent = `${node.name}: ${state.textContent}, ${votes.textContent}`;
    g.dataset.state = node.state;
    g.dataset.totalVotes = String(node.total_votes);
    g.dataset.quorum = String(node.quorum);
    g.dataset.writable = String(node.writable);
    g.style.transform = `translate(${geo.place[node.name]}px, ${ROW.nodes}px)`;
  }
  for (const [name, g] of nodes) {
    if (!seen.has(name)) {
      g.remove();
      nodes.delete(name);
    }
  }
}

// Each side's votes against its quorum, as seen by its first running node.
function drawTally(layer, frame, geo, bars) {
  const byName = Object.fromEntries(frame.nodes.map((n) => [n.name, n]));
  const wanted = geo.spans.length;
  while (bars.length > wanted) bars.pop().remove();
  while (bars.length < wanted) {
    const g = make("g", { class: "pvq-tally" }, layer);
    make("rect", { x: 0, y: 0, height: 26, rx: 4, class: "pvq-tally-back" }, g);
    make("rect", { x: 0, y: 0, height: 26, rx: 4, class: "pvq-tally-fill" }, g);
    make("line", { x1: 0, y1: -8, x2: 0, y2: 34, class: "pvq-quorum-line" }, g);
    label(g, 0, -12, "quorum", "pvq-quorum-text");
    label(g, 0, 56, "", "pvq-tally-text");
    bars.push(g);
  }
  geo.spans.forEach((span, i) => {
    const g = bars[i];
    const [back, fill, line, qtext, words] = g.children;
    const x0 = geo.place[span.side[0]];
    const width = Math.max(60, geo.place[span.side[span.side.length - 1]] + geo.width - x0);
    g.setAttribute("transform", `translate(${x0}, ${ROW.tally})`);
    back.setAttribute("width", width);
    fill.setAttribute("width", width);
    words.setAttribute("x", width / 2);
    const seer = span.side.map((n) => byName[n]).find((n) => n && n.expected_votes > 0);
    g.dataset.side = String(i);
    if (!seer) {
      fill.style.transform = "scaleX(0)";
      line.style.opacity = qtext.style.opacity = "0";
      words.textContent = "no node running";
      fit(words, width);
      g.dataset.state = "none";
      return;
    }
    const scale = Math.max(seer.expected_votes, seer.total_votes, 1);
    const quorate = seer.state === "quorate";
    fill.style.transform = `scaleX(${seer.total_votes / scale})`;
    fill.classList.toggle("pvq-tally-ok", quorate);
    const qx = (width * seer.quorum) / scale;
    line.style.opacity = qtext.style.opacity = "1";
    line.style.transform = qtext.style.transform = `translateX(${qx}px)`;
    qtext.textContent = `quorum ${seer.quorum}`;
    words.textContent =
      `${seer.total_votes} of ${seer.expected_votes} votes: ` + (quorate ? "QUORATE" : "NOT quorate");
    fit(words, width);
    g.dataset.state = quorate ? "quorate" : "blocked";
    g.dataset.totalVotes = String(seer.total_votes);
    g.dataset.quorum = String(seer.quorum);
  });
}

// The time axis: a root scale, so seconds and a minute both have room.
function axisX(t, tmax) {
  return 40 + ((AXIS_W - 80) * Math.sqrt(Math.max(0, t))) / Math.sqrt(Math.max(tmax, 1));
}

function drawAxis(axis, scene, index, go) {
  axis.replaceChildren();
  const frames = scene.frames;
  const tmax = Math.max(...frames.map((f) => f.t_max_ms), 1000);
  make("line", { x1: 40, y1: 30, x2: AXIS_W - 40, y2: 30, class: "pvq-axis-line" }, axis);
  for (const tick of [0, 1000, 5000, 10000, 30000, 60000, 120000]) {
    if (tick > tmax) break;
    const x = axisX(tick, tmax);
    make("line", { x1: x, y1: 24, x2: x, y2: 36, class: "pvq-axis-tick" }, axis);
    label(axis, x, 54, seconds(tick), "pvq-axis-text");
  }
  let previous = -Infinity;
  frames.forEach((frame, i) => {
    // events at (nearly) the same time sit side by side, so that each can be clicked
    const x0 = Math.max(axisX(frame.t_ms, tmax), previous + 20);
    const x1 = Math.max(axisX(frame.t_max_ms, tmax), x0);
    previous = x0;
    const g = make("g", { class: "pvq-event" + (i === index ? " pvq-event-now" : "") }, axis);
    g.dataset.index = String(i);
    if (x1 > x0 + 1) make("line", { x1: x0, y1: 30, x2: x1, y2: 30, class: "pvq-event-range" }, g);
    make("circle", { cx: x0, cy: 30, r: i === index ? 9 : 6, class: frame.only_with_ha ? "pvq-dot-ha" : "pvq-dot" }, g);
    const tip = make("title", {}, g);
    tip.textContent = `${seconds(frame.t_ms)}: ${frame.title}`;
    g.addEventListener("click", () => go(i));
  });
}

function timeWords(frame) {
  const end = frame.t_max_ms > frame.t_ms ? ` to ${seconds(frame.t_max_ms)}` : "";
  return `t = ${seconds(frame.t_ms)}${end}`;
}

export default {
  render({ model, el }) {
    el.classList.add("pvq-stage");
    const svg = make("svg", { viewBox: `0 0 ${W} ${HEIGHT}`, class: "pvq-stage-svg", role: "img" });
    const title = make("title", {}, svg);
    const qlayer = make("g", {}, svg);
    const netlayer = make("g", {}, svg);
    const nodelayer = make("g", {}, svg);
    const tallylayer = make("g", {}, svg);
    const banner = label(svg, W / 2, 104, "", "pvq-banner");
    el.appendChild(svg);

    const caption = html("div", "pvq-stage-caption", el);
    const when = html("span", "pvq-stage-when", caption);
    const what = html("span", "pvq-stage-title", caption);
    const text = html("div", "pvq-stage-text", el);
    const source = html("div", "pvq-stage-ref", el);

    const bar = html("div", "pvq-stage-controls", el);
    const replay = html("button", "pvq-stage-replay", bar, "⟲ Replay");
    const back = html("button", "pvq-stage-back", bar, "◀ Step");
    const play = html("button", "pvq-stage-play", bar, "▶ Play");
    const step = html("button", "pvq-stage-step", bar, "Step ▶");
    const position = html("span", "pvq-stage-position", bar);
    const axis = make("svg", { viewBox: `0 0 ${AXIS_W} 62`, class: "pvq-stage-axis" });
    el.appendChild(axis);
    const timing = html("div", "pvq-stage-timing", el);

    const nodes = new Map();
    const bars = [];
    let timer = null;

    const frames = () => (model.get("scene").frames || []);
    const stop = () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
      play.textContent = "▶ Play";
    };
    const go = (i) => {
      const last = frames().length - 1;
      model.set("frame", Math.max(0, Math.min(last, i)));
      model.save_changes();
    };
    const start = () => {
      stop();
      if (model.get("frame") >= frames().length - 1) go(0);
      play.textContent = "❚❚ Pause";
      timer = setInterval(() => {
        const next = model.get("frame") + 1;
        if (next < frames().length) go(next);
        if (next >= frames().length - 1) stop();
      }, model.get("step_ms"));
    };

    const show = () => {
      const scene = model.get("scene");
      const all = scene.frames || [];
      if (!all.length) return;
      const index = Math.max(0, Math.min(all.length - 1, model.get("frame")));
      const frame = all[index];
      W = Math.max(640, Math.min(960, frame.nodes.length * 230 + 220));
      svg.setAttribute("viewBox", `0 0 ${W} ${HEIGHT}`);
      banner.setAttribute("x", W / 2);
      const geo = layout(frame);
      drawQdevice(qlayer, scene, frame, geo);
      drawNetwork(netlayer, frame, geo);
      drawNodes(nodelayer, frame, geo, nodes);
      drawTally(tallylayer, frame, geo, bars);
      banner.textContent = frame.split_brain ? "SPLIT BRAIN: more than one side is quorate" : "";
      title.textContent = `${scene.cluster}: ${frame.title}`;
      when.textContent = timeWords(frame);
      what.textContent = frame.title;
      text.textContent = frame.text;
      source.textContent = frame.reference ? `reference ${frame.reference}` : "";
      position.textContent = `event ${index + 1} of ${all.length}`;
      timing.textContent = scene.timing;
      drawAxis(axis, scene, index, (i) => { stop(); go(i); });
      back.disabled = index === 0;
      step.disabled = index === all.length - 1;
      el.dataset.scene = String(scene.scene);
      el.dataset.frame = String(index);
      el.dataset.frames = String(all.length);
    };

    replay.addEventListener("click", () => { go(0); start(); });
    back.addEventListener("click", () => { stop(); go(model.get("frame") - 1); });
    step.addEventListener("click", () => { stop(); go(model.get("frame") + 1); });
    play.addEventListener("click", () => (timer === null ? start() : stop()));

    model.on("change:scene", () => {
      stop();
      model.set("frame", 0); // a new change starts at its first event
      model.save_changes();
      show();
      if (model.get("autoplay") && frames().length > 1) start();
    });
    model.on("change:frame", show);
    show();
    return () => stop();
  },
};
