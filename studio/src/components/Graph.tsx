// The pipeline graph: steps as nodes coloured by status, edges labelled with the data they
// pass, laid out by dagre (lib/layout.ts). Pan (drag), zoom (wheel, +/-), fit, and search a
// step. Panning and zooming write the SVG transform directly (no re-render of 1,000 nodes);
// a status change re-renders only the nodes whose status changed.
import { Component } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Edge, StepStatus } from '../lib/api';
import { duration } from '../lib/format';
import { DAGRE_FULL, DAGRE_MAX, NODE_H, NODE_W, edgePath, fitTransform, layoutGraph, type Layout } from '../lib/layout';

/** Above this many steps only the steps near the view are in the DOM. */
export const VIRTUAL_MIN = 300;

export interface GraphStep {
  name: string;
  status: StepStatus;
  duration_s: number | null;
}

interface NodeProps {
  name: string;
  status: string;
  dur: string;
  x: number;
  y: number;
  w: number;
  h: number;
  selected: boolean;
  match: boolean;
  onSelect: (name: string) => void;
}

const STATUS_ICON: Record<string, string> = {
  Finished: '✓',
  Failed: '✕',
  Running: '▶',
  Queued: '…',
  Preparing: '…',
  Reused: '♻',
  Canceled: '⊘',
  NotStarted: '○',
};

class GraphNode extends Component<NodeProps> {
  shouldComponentUpdate(n: NodeProps) {
    const p = this.props;
    return n.status !== p.status || n.dur !== p.dur || n.selected !== p.selected || n.match !== p.match || n.x !== p.x || n.y !== p.y;
  }
  render() {
    const { name, status, dur, x, y, w, h, selected, match, onSelect } = this.props;
    const label = name.length > 24 ? name.slice(0, 23) + '…' : name;
    return (
      <g
        class={`node st-${status}${selected ? ' selected' : ''}${match ? ' match' : ''}`}
        transform={`translate(${x - w / 2},${y - h / 2})`}
        data-step={name}
        data-status={status}
        tabIndex={0}
        role="button"
        aria-label={`step ${name}: ${status}${dur ? ', ' + dur : ''}`}
        onClick={(e) => {
          e.stopPropagation();
          onSelect(name);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            onSelect(name);
          }
        }}
      >
        {label !== name ? <title>{name}</title> : null}
        <rect class="node-box" width={w} height={h} rx={7} />
        <rect class="node-bar" width={6} height={h} rx={3} />
        <text class="node-name" x={14} y={19}>
          {label}
        </text>
        <text class="node-sub" x={14} y={36}>
          {(STATUS_ICON[status] || '') + ' ' + status + (dur ? ' · ' + dur : '')}
        </text>
      </g>
    );
  }
}

export interface GraphProps {
  steps: GraphStep[];
  edges: Edge[];
  selected?: string;
  onSelect: (name: string) => void;
  onLayout?: (l: Layout) => void;
}

/** The structure key: layout is recomputed only when the steps or edges change, never on a status change. */
function structureKey(steps: GraphStep[], edges: Edge[]): string {
  return steps.map((s) => s.name).join('\u0001') + '\u0002' + edges.map((e) => e.from_step + '>' + e.to_step + ':' + e.from_output + ':' + e.to_input).join('\u0001');
}

export function Graph({ steps, edges, selected, onSelect, onLayout }: GraphProps) {
  const key = structureKey(steps, edges);
  const layout = useMemo(() => layoutGraph(steps.map((s) => s.name), edges), [key]);
  const svg = useRef<SVGSVGElement>(null);
  const view = useRef<SVGGElement>(null);
  const tf = useRef({ x: 0, y: 0, k: 1 });
  const [query, setQuery] = useState('');
  const [matchIdx, setMatchIdx] = useState(0);
  const [zoomPct, setZoomPct] = useState(100);

  // Big graphs draw only the steps near the view (the view plus half of it on each side);
  // panning past that area redraws. The layout, search and centring use every step.
  const virtual = steps.length > VIRTUAL_MIN;
  const [area, setArea] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const areaRef = useRef(area);
  areaRef.current = area;
  const updateArea = () => {
    if (!virtual) return;
    const el = svg.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const t = tf.current;
    const v = { x0: -t.x / t.k, y0: -t.y / t.k, x1: (r.width - t.x) / t.k, y1: (r.height - t.y) / t.k };
    const a = areaRef.current;
    if (a && v.x0 >= a.x0 && v.y0 >= a.y0 && v.x1 <= a.x1 && v.y1 <= a.y1) return;
    const mx = (v.x1 - v.x0) / 2 + NODE_W;
    const my = (v.y1 - v.y0) / 2 + NODE_H;
    setArea({ x0: v.x0 - mx, y0: v.y0 - my, x1: v.x1 + mx, y1: v.y1 + my });
  };
  const apply = () => {
    const t = tf.current;
    updateArea();
    view.current?.setAttribute('transform', `translate(${t.x.toFixed(1)},${t.y.toFixed(1)}) scale(${t.k.toFixed(4)})`);
    svg.current?.classList.toggle('far', t.k < 0.55);
    svg.current?.classList.toggle('very-far', t.k < 0.3);
    setZoomPct(Math.round(t.k * 100));
  };
  const fit = () => {
    const el = svg.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const f = fitTransform(layout.width, layout.height, r.width, r.height);
    // A graph too big to fit readably opens at a readable zoom at its start (its left);
    // "Fit" (or 0) shows all of it.
    if (f.k < 0.6) {
      const k = Math.max(0.6, Math.min(1, (r.height - 40) / layout.height));
      tf.current = { k, x: 20, y: Math.max(20, (r.height - layout.height * k) / 2) };
    } else tf.current = f;
    apply();
  };
  const fitAll = () => {
    const el = svg.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    tf.current = fitTransform(layout.width, layout.height, r.width, r.height);
    apply();
  };
  const zoomAt = (factor: number, cx?: number, cy?: number) => {
    const el = svg.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const px = cx ?? r.width / 2;
    const py = cy ?? r.height / 2;
    const t = tf.current;
    const k = Math.min(4, Math.max(0.02, t.k * factor));
    tf.current = { k, x: px - ((px - t.x) * k) / t.k, y: py - ((py - t.y) * k) / t.k };
    apply();
  };
  const centerOn = (name: string, minK = 0.8) => {
    const n = layout.nodes.get(name);
    const el = svg.current;
    if (!n || !el) return;
    const r = el.getBoundingClientRect();
    const k = Math.max(tf.current.k, minK);
    tf.current = { k, x: r.width / 2 - n.x * k, y: r.height / 2 - n.y * k };
    apply();
  };

  useEffect(() => {
    fit();
    onLayout?.(layout);
  }, [layout]);

  // Bring a step selected by URL into view once.
  const centered = useRef('');
  useEffect(() => {
    if (!selected || centered.current === selected) return;
    centered.current = selected;
    const n = layout.nodes.get(selected);
    const el = svg.current;
    if (!n || !el) return;
    const r = el.getBoundingClientRect();
    const t = tf.current;
    const sx = n.x * t.k + t.x;
    const sy = n.y * t.k + t.y;
    if (sx < 0 || sy < 0 || sx > r.width || sy > r.height) centerOn(selected, t.k);
  }, [selected, layout]);

  // Wheel zoom (non-passive so the page does not scroll) and drag to pan.
  useEffect(() => {
    const el = svg.current;
    if (!el) return;
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), e.clientX - r.left, e.clientY - r.top);
    };
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | null = null;
    const down = (e: PointerEvent) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, tx: tf.current.x, ty: tf.current.y, moved: false };
    };
    const move = (e: PointerEvent) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!drag.moved) el.setPointerCapture(e.pointerId);
      drag.moved = true;
      el.classList.add('panning');
      tf.current = { ...tf.current, x: drag.tx + dx, y: drag.ty + dy };
      apply();
    };
    const up = () => {
      drag = null;
      el.classList.remove('panning');
    };
    el.addEventListener('wheel', wheel, { passive: false });
    el.addEventListener('pointerdown', down);
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
    return () => {
      el.removeEventListener('wheel', wheel);
      el.removeEventListener('pointerdown', down);
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
    };
  }, [layout]);

  const q = query.trim().toLowerCase();
  const matches = useMemo(() => (q ? steps.filter((s) => s.name.toLowerCase().includes(q)).map((s) => s.name) : []), [q, key]);
  const matchSet = useMemo(() => new Set(matches), [matches]);
  const goMatch = (i: number) => {
    if (!matches.length) return;
    const j = ((i % matches.length) + matches.length) % matches.length;
    setMatchIdx(j);
    centerOn(matches[j]);
  };

  const onKey = (e: KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'INPUT') return;
    if (e.key === '+' || e.key === '=') zoomAt(1.25);
    else if (e.key === '-') zoomAt(0.8);
    else if (e.key === '0') fitAll();
    else if (e.key === 'f') fit();
    else return;
    e.preventDefault();
  };

  const drawn = useMemo(() => {
    if (!virtual) return null;
    if (!area) return new Set<string>();
    const d = new Set<string>();
    for (const n of layout.nodes.values()) if (n.x + n.w / 2 >= area.x0 && n.x - n.w / 2 <= area.x1 && n.y + n.h / 2 >= area.y0 && n.y - n.h / 2 <= area.y1) d.add(n.name);
    return d;
  }, [virtual, area, layout]);
  useEffect(() => {
    if (!virtual || area) performance.mark('studio:graph-drawn', { detail: { steps: steps.length, drawn: drawn ? drawn.size : steps.length, layout_ms: layout.ms } });
  }, [layout, virtual ? area !== null : true]);
  const bigGraph = steps.length > DAGRE_FULL;
  const hugeGraph = steps.length > DAGRE_MAX;
  return (
    <div class="graph" onKeyDown={onKey}>
      <div class="graph-tools" role="toolbar" aria-label="graph view">
        <input
          type="search"
          class="graph-search"
          placeholder="Find a step…"
          aria-label="find a step"
          value={query}
          onInput={(e) => {
            setQuery((e.target as HTMLInputElement).value);
            setMatchIdx(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              if (e.shiftKey) goMatch(matchIdx - 1);
              else if (matches.length && matches[matchIdx] === selected) goMatch(matchIdx + 1);
              else if (matches.length) {
                goMatch(matchIdx);
                onSelect(matches[matchIdx]);
              }
            }
          }}
        />
        {q ? <span class="muted match-count">{matches.length ? `${matchIdx + 1}/${matches.length}` : 'no match'}</span> : null}
        <button type="button" onClick={() => zoomAt(1.25)} title="zoom in (+)" aria-label="zoom in">
          +
        </button>
        <button type="button" onClick={() => zoomAt(0.8)} title="zoom out (-)" aria-label="zoom out">
          −
        </button>
        <button type="button" onClick={fitAll} title="fit the whole graph (0)">
          Fit
        </button>
        <span class="muted zoom-pct" aria-live="polite">
          {zoomPct}% · {steps.length} steps
        </span>
      </div>
      <svg ref={svg} class={'graph-svg' + (bigGraph ? ' big' : '')} data-steps={steps.length} data-drawn={drawn ? drawn.size : steps.length} role="group" aria-label={`pipeline graph, ${steps.length} steps`} data-layout-ms={layout.ms.toFixed(0)}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
          </marker>
        </defs>
        <g ref={view}>
          <Edges layout={layout} labels={!hugeGraph || zoomPct >= 55} drawn={drawn} />
          {steps.map((s) => {
            const n = layout.nodes.get(s.name);
            if (!n || (drawn && !drawn.has(s.name))) return null;
            return (
              <GraphNode
                key={s.name}
                name={s.name}
                status={s.status}
                dur={duration(s.duration_s)}
                x={n.x}
                y={n.y}
                w={n.w}
                h={n.h}
                selected={s.name === selected}
                match={matchSet.has(s.name)}
                onSelect={onSelect}
              />
            );
          })}
        </g>
      </svg>
    </div>
  );
}

interface EdgesProps {
  layout: Layout;
  labels: boolean;
  drawn: Set<string> | null;
}
class Edges extends Component<EdgesProps> {
  shouldComponentUpdate(n: EdgesProps) {
    return n.layout !== this.props.layout || n.labels !== this.props.labels || n.drawn !== this.props.drawn;
  }
  render() {
    const { layout, labels, drawn } = this.props;
    return (
      <g class="edges">
        {(drawn ? layout.edges.filter((e) => drawn.has(e.from) || drawn.has(e.to)) : layout.edges).map((e) => (
          <g class="edge" key={e.from + '>' + e.to} data-from={e.from} data-to={e.to}>
            <path d={edgePath(e.points)} marker-end="url(#arrow)" />
            {labels && e.label ? (
              <text class="edge-label" x={e.labelAt.x} y={e.labelAt.y + 4} text-anchor="middle">
                {e.label.length > 28 ? e.label.slice(0, 27) + '…' : e.label}
              </text>
            ) : null}
          </g>
        ))}
      </g>
    );
  }
}
