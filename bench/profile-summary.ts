// Summarises a V8 .cpuprofile (from --cpu-prof or the bench's profiling windows): time by area (coupond
// file, package, native, GC, idle), the top functions by self and by total time, and the hottest call
// paths. Run alone: `npx tsx bench/profile-summary.ts FILE.cpuprofile [...]`.
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const SPECIAL = new Set(['(garbage collector)', '(idle)', '(program)', '(root)']);

/** The benchmark's own wrappers (SQL timing) are transparent: their time belongs to what they wrap. */
const isHook = (frame: CallFrame) => frame.url.endsWith('/bench/server-hooks.ts');

/** Where a frame's code lives: `src/storage/database.ts`, `fastify`, `node:internal`, or a special bucket. */
function areaOf(frame: CallFrame, parentArea: string | undefined): string {
  if (SPECIAL.has(frame.functionName)) return frame.functionName;
  const url = frame.url;
  if (isHook(frame)) return parentArea ?? 'bench hooks';
  if (!url) return parentArea ? `native ← ${parentArea.replace(/^native ← /, '')}` : 'native';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node (internal)';
  const own = /\/((?:src|bench)\/.+)$/.exec(url);
  return own ? own[1]! : url;
}

function nameOf(frame: CallFrame, area: string): string {
  const fn = frame.functionName || '(anonymous)';
  // Lines are only worth showing outside tsx-compiled sources (which come out as one line).
  return SPECIAL.has(fn)
    ? fn
    : `${area}:${fn}${frame.url && frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''}`;
}

interface Row {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  samples: number;
  areas: Row[];
  areasTotal: Row[];
  selfTop: Row[];
  totalTop: Row[];
  paths: Row[];
}

/** Self time per area and function, total time per function, and the leaf-most frames of the hottest stacks. */
export function summarise(profile: CpuProfile, top = 15, pathDepth = 7): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const area = new Map<number, string>();
  const areaFor = (id: number): string => {
    const known = area.get(id);
    if (known !== undefined) return known;
    const p = parent.get(id);
    const a = areaOf(byId.get(id)!.callFrame, p === undefined ? undefined : areaFor(p));
    area.set(id, a);
    return a;
  };
  const hits = new Map<number, number>();
  for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const interval = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const totalMs = profile.samples.length * interval;

  const selfArea = new Map<string, number>();
  const selfFn = new Map<string, number>();
  const totalFn = new Map<string, number>();
  const totalArea = new Map<string, number>();
  const paths = new Map<string, number>();
  for (const [id, count] of hits) {
    const ms = count * interval;
    const a = areaFor(id);
    selfArea.set(a, (selfArea.get(a) ?? 0) + ms);
    let leafId = id;
    while (isHook(byId.get(leafId)!.callFrame) && parent.has(leafId)) leafId = parent.get(leafId)!;
    const leaf = nameOf(byId.get(leafId)!.callFrame, areaFor(leafId));
    selfFn.set(leaf, (selfFn.get(leaf) ?? 0) + ms);
    const seen = new Set<string>();
    const seenAreas = new Set<string>();
    const stack: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (frame.functionName === '(root)') break;
      if (isHook(frame)) continue;
      const frameArea = areaFor(cur);
      if (!seenAreas.has(frameArea) && !frameArea.startsWith('native')) {
        seenAreas.add(frameArea);
        totalArea.set(frameArea, (totalArea.get(frameArea) ?? 0) + ms);
      }
      const name = nameOf(frame, frameArea);
      if (!seen.has(name)) {
        seen.add(name);
        totalFn.set(name, (totalFn.get(name) ?? 0) + ms);
      }
      if (stack.length < pathDepth) stack.push(name);
    }
    const key = stack.reverse().join(' → ');
    paths.set(key, (paths.get(key) ?? 0) + ms);
  }
  const rows = (m: Map<string, number>, n: number): Row[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: Math.round((ms / totalMs) * 1000) / 10 }));
  return {
    totalMs: Math.round(totalMs),
    samples: profile.samples.length,
    areas: rows(selfArea, 25),
    areasTotal: rows(totalArea, 30),
    selfTop: rows(selfFn, top),
    totalTop: rows(totalFn, top + 10),
    paths: rows(paths, 12),
  };
}

/** The summary as Markdown lists. */
export function formatSummary(title: string, s: ProfileSummary): string {
  const list = (rows: Row[]) => rows.map((r) => `- ${r.share}% (${r.ms} ms) ${r.name}`).join('\n');
  return [
    `## ${title}`,
    `${s.samples} samples over ${s.totalMs} ms.`,
    '',
    '### Self time by area',
    list(s.areas),
    '',
    '### Total time by area (including what it calls)',
    list(s.areasTotal),
    '',
    '### Top functions by self time',
    list(s.selfTop),
    '',
    '### Top functions by total time (including callees)',
    list(s.totalTop),
    '',
    '### Hottest call paths (leaf-most frames, by self time)',
    list(s.paths),
    '',
  ].join('\n');
}

/** Summarises a profile file into `<file>.md` beside it and answers the text. */
export function summariseFile(file: string): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const text = formatSummary(path.basename(file, '.cpuprofile'), summarise(profile));
  fs.writeFileSync(`${file}.md`, text);
  return text;
}

if (import.meta.filename === path.resolve(process.argv[1] ?? '')) {
  for (const file of process.argv.slice(2)) process.stdout.write(`${summariseFile(file)}\n`);
}
