// gomap-lab explore — the page around the recording: HTML, CSS and a script
// that draws one recorded step. The script only draws: every state, mark and
// probe path it shows comes from the recording (explore.cpp), which reads the
// engines. Elements carry stable ids and data- attributes (data-field,
// data-array, data-index, data-state, data-top, data-key, data-reduced...) so
// that a test can read a step back from the DOM a browser builds.
#include <string>

#include "explore.hpp"
#include "svg.hpp"

namespace lab {

namespace {

// The colours of the cell states are those of `inspect --format svg`
// (structure.cpp, flat_structure.cpp), so that pictures and page agree.
constexpr const char* kStyle = R"CSS(
:root { --live:#cfeecf; --one:#ffe7a3; --rest:#eeeeee; --evx:#dcd2f4; --evy:#cbdcf6; --eve:#eeeaf5;
        --away:#fde9a9; --bit:#e8743b; --mark:#1f4e9c; --probe:#e0457b; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 0; padding: 10px 18px 40px; color: #222;
       background: #ffffff; font-size: 14px; }
h1 { font-size: 20px; margin: 4px 0; }
h2 { font-size: 16px; margin: 6px 0; }
h3 { font-size: 13px; margin: 12px 0 4px; font-weight: 600; color: #333; }
.caption { color: #444; margin: 2px 0 8px; }
#controls { position: sticky; top: 0; z-index: 5; background: #f5f6fa; border: 1px solid #ccd; border-radius: 6px;
            padding: 6px 10px; display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; }
#controls button { font-size: 14px; padding: 3px 10px; cursor: pointer; }
#slider { flex: 1 1 260px; min-width: 160px; }
#lookup { width: 8em; font-size: 14px; }
#op { font-size: 15px; margin: 8px 0 2px; }
#op .kind-i { color: #1a7a1a; font-weight: bold; }
#op .kind-d { color: #b02020; font-weight: bold; }
#op .kind-c { color: #7a4a00; font-weight: bold; }
#lookup-result { margin: 2px 0; color: #333; min-height: 1.2em; }
#lookup-result p { margin: 2px 0; }
#timeline { width: 100%; max-width: 1100px; height: auto; display: block; cursor: pointer; }
#legend { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 4px 0 6px; font-size: 12.5px; }
#legend span.sw { display: inline-block; width: 20px; height: 14px; border: 1px solid #555; vertical-align: -2px;
                  margin-right: 5px; }
#view { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
section.map { flex: 1 1 700px; min-width: 0; overflow-x: auto; border: 1px solid #ccd; border-radius: 6px;
              padding: 6px 10px; }
.event { color: #5a3d8a; margin: 2px 0 6px; min-height: 1.2em; }
table.header { border-collapse: collapse; font-size: 13px; background: #f8f8fb; }
table.header th { text-align: left; font-family: "DejaVu Sans Mono", monospace; font-weight: normal; padding: 1px 10px 1px 6px; }
table.header td { padding: 1px 10px 1px 0; }
table.header td.v { font-family: "DejaVu Sans Mono", monospace; font-weight: bold; white-space: nowrap; }
table.header td.note { color: #555; font-size: 12px; }
.chain, .fgroup { display: flex; align-items: center; margin: 3px 0; white-space: nowrap; }
.label { font-family: "DejaVu Sans Mono", monospace; font-weight: bold; font-size: 12px; width: 62px; flex: none; }
.bucket { display: inline-flex; border: 1px solid #555; flex: none; }
.ptr { display: inline-block; width: 22px; text-align: center; color: #333; font-size: 13px; flex: none; }
.cell { display: inline-flex; flex-direction: column; align-items: center; justify-content: center;
        width: 38px; height: 32px; border-right: 1px solid #999; font-family: "DejaVu Sans Mono", monospace;
        line-height: 1.05; position: relative; flex: none; }
.cell:last-child { border-right: none; }
.cell b { font-size: 12px; }
.cell i { font-style: normal; font-size: 10px; color: #333; }
.s-live { background: var(--live); } .s-one { background: var(--one); } .s-rest { background: var(--rest); }
.s-evx { background: var(--evx); } .s-evy { background: var(--evy); } .s-eve { background: var(--eve); }
.f-entry { background: var(--live); } .f-away { background: var(--away); } .f-empty { background: var(--rest); }
.f-migrated { background: var(--eve); }
.note-row { color: #777; font-style: italic; font-size: 12px; border: 1px dashed #aaa; padding: 7px 10px; }
.state-tag { color: #6a51a3; font-size: 11px; margin-left: 6px; }
.bits { display: inline-flex; margin-left: 10px; border: 1px solid #555; flex: none; }
.bit { width: 9px; height: 16px; border-right: 1px solid #999; background: #fff; }
.bit:last-child { border-right: none; }
.bit.on { background: var(--bit); }
.cell.mark { outline: 3px solid var(--mark); outline-offset: -3px; z-index: 2; }
.cell.probe { box-shadow: inset 0 -5px 0 var(--probe); }
.cell.probe-hit { outline: 3px dashed var(--probe); outline-offset: -3px; z-index: 3; }
.fgroup.probe-group .label { color: var(--probe); }
.fgroup.probe-group .cells { box-shadow: 0 0 0 2px var(--probe); }
.cells { display: inline-flex; border: 1px solid #555; flex: none; }
.slotnums { display: flex; margin-left: 62px; font-size: 9.5px; color: #888; }
.slotnums span { width: 38px; text-align: center; flex: none; }
kbd { border: 1px solid #aaa; border-radius: 3px; padding: 0 4px; font-size: 12px; background: #fff; }
)CSS";

constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('gomap-data').textContent);
  var last = D.ops.length - 1;
  var cur = -1, timer = null, lookupKey = null;
  var GO_STATES = ['rest', 'one', 'evx', 'evy', 'eve'];
  var GO_WORDS = ['rest', 'one', 'evX', 'evY', 'evE'];

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function hex2(v) { return (v < 16 ? '0' : '') + v.toString(16); }
  function bits8(v) { var s = ''; for (var b = 7; b >= 0; b--) s += (v >> b) & 1 ? '1' : '0'; return s; }

  function header(map, st) {
    var t = el('table', 'header');
    t.dataset.role = 'header';
    st.f.forEach(function (id) {
      var f = map.texts[id], tr = el('tr');
      tr.appendChild(el('th', null, f[0]));
      var v = el('td', 'v', f[1]);
      v.dataset.field = f[0];
      tr.appendChild(v);
      tr.appendChild(el('td', 'note', f[2]));
      t.appendChild(tr);
    });
    return t;
  }

  // go_map: one row per chain: its label, then its buckets of 8 tophash cells.
  function goChain(map, arrayName, index, chainId) {
    var c = map.chains[chainId], row = el('div', 'chain');
    var state = { l: 'live', e: 'evacuated', r: 'released', u: 'uninitialised' }[c[0]];
    row.dataset.array = arrayName;
    row.dataset.index = index;
    row.dataset.state = state;
    row.appendChild(el('span', 'label', arrayName + '[' + index + ']'));
    if (state === 'uninitialised' || state === 'released') {
      row.appendChild(el('span', 'note-row', state === 'uninitialised'
        ? 'not initialised yet: filled when its old bucket is evacuated'
        : 'evacuated; its pages went back to the OS'));
      return row;
    }
    for (var b = 1; b < c.length; b++) {
      var bucket = el('span', 'bucket');
      bucket.dataset.pos = b - 1;
      c[b].forEach(function (cell, slot) {
        var x;
        if (typeof cell === 'number') {
          x = el('span', 'cell s-' + GO_STATES[cell]);
          x.appendChild(el('b', null, GO_WORDS[cell]));
          x.appendChild(el('i', null, '(' + cell + ')'));
          x.dataset.top = '0x' + hex2(cell);
        } else {
          x = el('span', 'cell s-live');
          x.appendChild(el('b', null, hex2(cell[0])));
          x.appendChild(el('i', null, 'k=' + cell[1]));
          x.dataset.top = '0x' + hex2(cell[0]);
          x.dataset.key = String(cell[1]);
        }
        x.dataset.slot = slot;
        bucket.appendChild(x);
      });
      row.appendChild(bucket);
      row.appendChild(el('span', 'ptr', b + 1 < c.length ? '\u2192' : 'nil'));
    }
    if (state === 'evacuated') row.appendChild(el('span', 'state-tag', 'evacuated'));
    return row;
  }

  function slotNumbers(n) {
    var d = el('div', 'slotnums');
    for (var i = 0; i < n; i++) d.appendChild(el('span', null, String(i)));
    return d;
  }

  function drawGo(map, st, box) {
    if (st.o.length) {
      var ho = el('h3', null, map.texts[st.ho]);
      ho.dataset.array = 'old';
      box.appendChild(ho);
      box.appendChild(slotNumbers(8));
      st.o.forEach(function (id, j) { box.appendChild(goChain(map, 'old', j, id)); });
    }
    var hn = el('h3', null, map.texts[st.hn]);
    hn.dataset.array = 'new';
    box.appendChild(hn);
    if (st.n.length) box.appendChild(slotNumbers(8));
    st.n.forEach(function (id, i) { box.appendChild(goChain(map, 'new', i, id)); });
  }

  // gomap::map: one row per group: 15 slot bytes, then the overflow byte's bits 7..0.
  function drawFlat(map, st, box) {
    var olds = 0;
    st.a.forEach(function (arr) {
      var name = arr.c ? 'cur' : 'old' + olds++;
      var h = el('h3', null, map.texts[arr.h]);
      h.dataset.array = name;
      h.dataset.cursor = arr.k;
      box.appendChild(h);
      box.appendChild(slotNumbers(15));
      arr.g.forEach(function (gid, gi) {
        var g = map.chains[gid], row = el('div', 'fgroup');
        row.dataset.array = name;
        row.dataset.index = gi;
        row.dataset.overflow = bits8(g[0]);
        row.dataset.migrated = g[1];
        row.appendChild(el('span', 'label', (arr.c ? 'cur[' : 'old[') + gi + ']'));
        var cells = el('span', 'cells');
        for (var i = 0; i < 15; i++) {
          var c = g[2 + i], x;
          if (c === 0) {
            x = el('span', 'cell ' + (g[1] ? 'f-migrated' : 'f-empty'));
            x.dataset.reduced = '0x00';
          } else {
            x = el('span', 'cell ' + (c[2] ? 'f-away' : 'f-entry'));
            x.appendChild(el('b', null, hex2(c[0])));
            x.appendChild(el('i', null, 'k=' + c[1]));
            x.dataset.reduced = '0x' + hex2(c[0]);
            x.dataset.key = String(c[1]);
            if (c[2]) x.dataset.away = '1';
          }
          x.dataset.slot = i;
          cells.appendChild(x);
        }
        row.appendChild(cells);
        var bits = el('span', 'bits');
        bits.title = 'overflow byte, bits 7..0';
        for (var b = 7; b >= 0; b--) bits.appendChild(el('span', 'bit' + ((g[0] >> b) & 1 ? ' on' : '')));
        row.appendChild(bits);
        if (g[1]) row.appendChild(el('span', 'state-tag', 'migrated'));
        box.appendChild(row);
      });
    });
    if (!st.a.length) box.appendChild(el('p', 'note-row', map.texts[st.hn]));
  }

  // gomap::map's arrays in recording order (old ones first): their data-array names.
  function arrayNames(box) {
    var names = [], seen = {};
    box.querySelectorAll('.fgroup').forEach(function (r) {
      if (!seen[r.dataset.array]) { seen[r.dataset.array] = 1; names.push(r.dataset.array); }
    });
    return names;
  }

  function cellAt(box, map, pos) {
    if (!pos) return null;
    if (map.engine === 'buckets') {
      return box.querySelector('.chain[data-array="' + (pos[0] ? 'new' : 'old') + '"][data-index="' + pos[1] +
        '"] .bucket[data-pos="' + pos[2] + '"] .cell[data-slot="' + pos[3] + '"]');
    }
    return box.querySelector('.fgroup[data-array="' + arrayNames(box)[pos[0]] + '"][data-index="' + pos[1] +
      '"] .cell[data-slot="' + pos[2] + '"]');
  }

  function pathAt(map, keyIndex, k) {
    var r = map.runs[keyIndex], id = -1;
    for (var i = 0; i < r.length && r[i] <= k; i += 2) id = r[i + 1];
    return id < 0 ? null : map.paths[id];
  }

  // A path: [hit, text id, segments...]; go_map segments are [array, chain,
  // bucket, last slot read] (slots 0..last are read), map's [array, group, slot or -1].
  function drawProbe(map, box, k, keyIndex, out) {
    var p = pathAt(map, keyIndex, k);
    if (!p) return;
    var hit = p[0] === 1;
    var line = el('p', null, map.id + ': ' + map.texts[map.khash[keyIndex]] + '; ' + map.texts[p[1]]);
    line.dataset.role = 'probe';
    line.dataset.map = map.id;
    line.dataset.hit = p[0];
    out.appendChild(line);
    var i;
    if (map.engine === 'buckets') {
      for (i = 2; i + 3 < p.length; i += 4) {
        for (var slot = 0; slot <= p[i + 3]; slot++) {
          var c = cellAt(box, map, [p[i], p[i + 1], p[i + 2], slot]);
          if (c) c.classList.add(hit && i + 4 >= p.length && slot === p[i + 3] ? 'probe-hit' : 'probe');
        }
      }
    } else {
      var names = arrayNames(box);
      for (i = 2; i + 2 < p.length; i += 3) {
        var row = box.querySelector('.fgroup[data-array="' + names[p[i]] + '"][data-index="' + p[i + 1] + '"]');
        if (!row) continue;
        row.classList.add('probe-group');
        if (p[i + 2] >= 0) row.querySelector('.cell[data-slot="' + p[i + 2] + '"]').classList.add('probe-hit');
      }
    }
  }

  function setHash(k) {
    var h = '#step=' + k + (lookupKey !== null ? '&lookup=' + encodeURIComponent(lookupKey) : '');
    if (location.hash === h) return;
    try { history.replaceState(null, '', h); } catch (e) { location.replace(h); }
  }

  function show(k) {
    // Any number (from the address, the slider, a click) is clamped to a step.
    k = Math.floor(Number(k));
    k = isFinite(k) ? Math.max(0, Math.min(last, k)) : 0;
    cur = k;
    var kind = D.kinds.charAt(k);
    var idx = $('step-index');
    idx.textContent = String(k);
    idx.dataset.step = k;
    $('slider').value = k;
    var op = $('op-text');
    op.textContent = k === 0 ? 'the maps are made' : D.ops[k];
    op.className = 'kind-' + kind;
    op.dataset.kind = kind;
    var cursor = $('tl-cursor');
    var x = D.x0 + D.dx * k;
    cursor.setAttribute('x1', x);
    cursor.setAttribute('x2', x);
    var out = $('lookup-result');
    out.textContent = '';
    var keyIndex = lookupKey === null ? -1 : D.keys.indexOf(lookupKey);
    if (lookupKey !== null && keyIndex < 0) {
      out.appendChild(el('p', null, 'key ' + lookupKey + ' is not in the script: probe paths are recorded for ' +
        'the ' + D.keys.length + ' keys the script uses' +
        (D.keys.length ? ' (' + D.keys[0] + ' .. ' + D.keys[D.keys.length - 1] + ')' : '')));
    }
    D.maps.forEach(function (map) {
      var st = map.steps[k], box = $('map-' + map.id);
      box.textContent = '';
      box.appendChild(el('h2', null, map.name + (map.engine === 'buckets'
        ? ': Go\u2019s buckets (hmap, bmap, tophash)' : ': the flat engine (groups)')));
      var ev = el('p', 'event', map.texts[st.e]);
      ev.dataset.role = 'event';
      box.appendChild(ev);
      box.appendChild(header(map, st));
      if (map.engine === 'buckets') drawGo(map, st, box); else drawFlat(map, st, box);
      var m = cellAt(box, map, st.m);
      if (m) m.classList.add('mark');
      if (keyIndex >= 0) drawProbe(map, box, k, keyIndex, out);
    });
    setHash(k);
  }

  // A key as the recording spells it: decimal, no leading zeros, no "-0"; null if not an integer.
  function keyText(v) {
    return /^-?\d+$/.test(v) ? v.replace(/^(-?)0+(?=\d)/, '$1').replace(/^-0$/, '0') : null;
  }

  function readHash() {
    var s = /(?:^#|&)step=(\d+)/.exec(location.hash);
    var l = /(?:^#|&)lookup=(-?\d+)/.exec(location.hash);
    lookupKey = l ? keyText(l[1]) : null;
    $('lookup').value = lookupKey === null ? '' : lookupKey;
    show(s ? parseInt(s[1], 10) : 0);
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    $('play').textContent = '\u25B6 play';
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (cur >= last) show(0);
    $('play').textContent = '\u275A\u275A pause';
    timer = setInterval(function () {
      if (cur >= last) { stop(); return; }
      show(cur + 1);
    }, parseInt($('speed').value, 10));
  }
  function lookUp() {
    var v = $('lookup').value.trim();
    lookupKey = keyText(v);
    if (v !== '' && lookupKey === null) {
      $('lookup-result').textContent = '\u201c' + v + '\u201d is not an integer key';
      return;
    }
    show(cur);
  }

  $('slider').max = last;
  $('step-count').textContent = String(last);
  $('first').onclick = function () { stop(); show(0); };
  $('prev').onclick = function () { stop(); show(cur - 1); };
  $('next').onclick = function () { stop(); show(cur + 1); };
  $('last').onclick = function () { stop(); show(last); };
  $('play').onclick = play;
  // A click does not leave the focus on a button, so that space still plays.
  document.querySelectorAll('#controls button').forEach(function (b) {
    b.onmousedown = function (e) { e.preventDefault(); };
  });
  $('slider').oninput = function () { stop(); show(parseInt(this.value, 10)); };
  $('lookup-go').onclick = lookUp;
  $('lookup-clear').onclick = function () { $('lookup').value = ''; lookupKey = null; show(cur); };
  $('lookup').onkeydown = function (e) { if (e.key === 'Enter') { e.preventDefault(); lookUp(); } };
  $('speed').onchange = function () { if (timer !== null) { stop(); play(); } };
  $('timeline').onclick = function (e) {
    var box = this.getBoundingClientRect(), vb = this.viewBox.baseVal;
    var x = (e.clientX - box.left) * vb.width / box.width;
    if (D.dx > 0) { stop(); show(Math.round((x - D.x0) / D.dx)); }
  };
  document.addEventListener('keydown', function (e) {
    // Keys typed into the look-up box or the speed menu are theirs; a focused
    // button keeps space and Enter, the slider its arrows.
    var t = e.target || {}, tag = t.tagName;
    if (tag === 'INPUT' && t.type === 'text') return;
    if (tag === 'SELECT') return;
    if (tag === 'BUTTON' && (e.key === ' ' || e.key === 'Enter')) return;
    if (tag === 'INPUT' && t.type === 'range' && e.key !== ' ') return;
    if (e.key === 'ArrowRight') { stop(); show(cur + 1); e.preventDefault(); }
    else if (e.key === 'ArrowLeft') { stop(); show(cur - 1); e.preventDefault(); }
    else if (e.key === 'Home') { stop(); show(0); e.preventDefault(); }
    else if (e.key === 'End') { stop(); show(last); e.preventDefault(); }
    else if (e.key === ' ' || e.key === 'Spacebar') { play(); e.preventDefault(); }
  });
  window.addEventListener('hashchange', readHash);
  readHash();
})();
)JS";

}  // namespace

std::string render_page(const page& p) {
    std::string o;
    o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    o += "<meta name=\"generator\" content=\"gomap-lab explore\">\n";
    o += "<title>" + svg::escape(p.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
    o += "<header>\n<h1 id=\"title\">" + svg::escape(p.title) +
         "</h1>\n<p class=\"caption\" id=\"caption\">" + svg::escape(p.caption) + "</p>\n</header>\n";
    o += "<noscript><p>This page draws each step with JavaScript: allow scripts for this "
         "file.</p></noscript>\n";
    o += R"HTML(<div id="controls">
<button id="first" title="first step (Home)">&#x00AB; first</button>
<button id="prev" title="step back (&#x2190;)">&#x25C0; back</button>
<button id="play" title="play / pause (space)">&#x25B6; play</button>
<button id="next" title="step forward (&#x2192;)">forward &#x25B6;</button>
<button id="last" title="last step (End)">last &#x00BB;</button>
<select id="speed" title="playback speed"><option value="700">slow</option><option value="250" selected>normal</option><option value="60">fast</option></select>
<input type="range" id="slider" min="0" max="0" value="0" aria-label="step">
<span>step <b id="step-index" data-step="0">0</b> of <span id="step-count">0</span></span>
<label>look up key <input type="text" id="lookup" inputmode="numeric" placeholder="e.g. 42"></label>
<button id="lookup-go">show probe path</button><button id="lookup-clear">clear</button>
</div>
<p id="op">step: <span id="op-text"></span></p>
<div id="lookup-result"></div>
)HTML";
    o +=
        "<div id=\"timeline-box\">\n<h3>bytes held from the allocator, at every step (click to jump)</h3>\n" +
        p.timeline_svg + "\n</div>\n";
    o += R"HTML(<div id="legend">
<span><span class="sw s-live"></span>entry: tophash (go_map) or reduced hash byte (map), and key</span>
<span><span class="sw s-one"></span>emptyOne (1): empty, later slots may not be</span>
<span><span class="sw s-rest"></span>emptyRest (0): empty, and so is every later slot of the chain; map: an empty slot</span>
<span><span class="sw s-evx"></span>evacuatedX (2): moved to the first half</span>
<span><span class="sw s-evy"></span>evacuatedY (3): moved to the second half</span>
<span><span class="sw s-eve"></span>evacuatedEmpty (4): was empty when evacuated; map: a migrated old group</span>
<span><span class="sw f-away"></span>map: an entry away from its home group</span>
<span><span class="sw" style="background:var(--bit)"></span>map: overflow bit set (an insert passed this group full)</span>
<span><span class="sw" style="background:#fff;outline:3px solid var(--mark);outline-offset:-3px"></span>the key this step placed or deleted</span>
<span><span class="sw" style="box-shadow:inset 0 -5px 0 var(--probe)"></span>probe path of the key looked up</span>
<span>keys: <kbd>&#x2190;</kbd> <kbd>&#x2192;</kbd> step, <kbd>space</kbd> play/pause, <kbd>Home</kbd> <kbd>End</kbd></span>
</div>
<main id="view">
<section class="map" id="map-go_map" data-map="go_map"></section>
<section class="map" id="map-map" data-map="map"></section>
</main>
)HTML";
    o += "<script type=\"application/json\" id=\"gomap-data\">" + p.data_json + "</script>\n";
    o += std::string("<script>") + kScript + "</script>\n</body>\n</html>\n";
    return o;
}

}  // namespace lab
