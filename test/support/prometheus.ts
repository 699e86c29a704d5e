/** One sample of the Prometheus text exposition format (version 0.0.4). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  /** The value of one sample (0 when absent: a counter not yet incremented). */
  value(name: string, labels?: Record<string, string>): number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(?:,|$)/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Floats as Prometheus reads them (Go's ParseFloat: `Inf` and `NaN` in any case). */
function parseValue(text: string, line: string): number {
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN; // prom-client writes `Nan`
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`Bad sample value: ${line}`);
  return value;
}

/**
 * Parses the text exposition strictly (any line that is not a HELP, TYPE, sample or blank line
 * fails), as a Prometheus server would refuse a scrape.
 */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const [name] = line.slice(7).split(' ');
      if (!NAME.test(name ?? '')) throw new Error(`Bad HELP line: ${line}`);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type, ...extra] = line.slice(7).split(' ');
      if (!NAME.test(name ?? '') || !TYPES.has(type ?? '') || extra.length) {
        throw new Error(`Bad TYPE line: ${line}`);
      }
      if (types.has(name!)) throw new Error(`TYPE given twice: ${line}`);
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`Bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    let rest = match[2] ?? '';
    while (rest.length) {
      const label = LABEL.exec(rest);
      if (!label) throw new Error(`Bad labels: ${line}`);
      labels[label[1]!] = label[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      rest = rest.slice(label[0].length);
    }
    samples.push({ name: match[1]!, labels, value: parseValue(match[3]!, line) });
  }
  const key = (name: string, labels: Record<string, string>) =>
    `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
  const index = new Map(samples.map((sample) => [key(sample.name, sample.labels), sample.value]));
  return {
    samples,
    types,
    value: (name, labels = {}) => index.get(key(name, labels)) ?? 0,
  };
}
