// A strict parser of the Prometheus text exposition format (0.0.4): # HELP / # TYPE lines, samples with escaped
// label values, NaN/±Inf, optional timestamps. Throws on anything malformed, on a sample outside its declared family,
// and on a family declared twice, so a test reads /metrics as Prometheus would and fails on broken output.

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'
  help: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const SUFFIXES: Record<Family['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
}

function unescapeText(s: string, help: boolean): string {
  return s.replace(/\\(.)/g, (m, c: string) => {
    if (c === 'n') return '\n'
    if (c === '\\') return '\\'
    if (c === '"' && !help) return '"'
    throw new Error(`bad escape ${m}`)
  })
}

/** A sample value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case, e.g. prom-client's "Nan"). */
function parseValue(s: string): number {
  const word = s.toLowerCase()
  if (word === 'nan') return Number.NaN
  if (word === '+inf' || word === 'inf') return Number.POSITIVE_INFINITY
  if (word === '-inf') return Number.NEGATIVE_INFINITY
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value "${s}"`)
  return Number(s)
}

/** Parses one sample line: name{a="b",c="d"} value [timestamp]. */
function parseSample(line: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)
  if (!m) throw new Error(`bad metric name in "${line}"`)
  const name = m[1]!
  let i = name.length
  const labels: Record<string, string> = {}
  if (line[i] === '{') {
    i++
    for (;;) {
      if (line[i] === '}') {
        i++
        break
      }
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i))
      if (!lm) throw new Error(`bad label at "${line.slice(i)}"`)
      i += lm[0].length
      let raw = ''
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\') {
          raw += line.slice(i, i + 2)
          i += 2
        } else raw += line[i++]
      }
      if (line[i] !== '"') throw new Error(`unterminated label value in "${line}"`)
      i++
      if (lm[1]! in labels) throw new Error(`label ${lm[1]} twice in "${line}"`)
      labels[lm[1]!] = unescapeText(raw, false)
      if (line[i] === ',') i++
      else if (line[i] !== '}') throw new Error(`expected , or } in "${line}"`)
    }
  }
  const rest = line.slice(i)
  const parts = rest.trim().split(/\s+/)
  if (!/^\s/.test(rest) || parts.length < 1 || parts.length > 2) throw new Error(`bad sample "${line}"`)
  if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`bad timestamp in "${line}"`)
  return { name, labels, value: parseValue(parts[0]!) }
}

export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  let current: Family | undefined
  const familyOf = (sample: string): Family | undefined => {
    for (const f of families.values()) if (SUFFIXES[f.type].some((s) => `${f.name}${s}` === sample)) return f
    return undefined
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
      if (!m) continue // a comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string]
      if (!NAME.test(name)) throw new Error(`bad family name "${name}"`)
      let f = families.get(name)
      if (!f) {
        f = { name, type: 'untyped', help: '', samples: [] }
        families.set(name, f)
      } else if (f.samples.length) throw new Error(`family ${name} declared after its samples`)
      if (kind === 'HELP') f.help = unescapeText(rest, true)
      else {
        if (!(rest in SUFFIXES)) throw new Error(`bad type "${rest}" for ${name}`)
        f.type = rest as Family['type']
      }
      current = f
      continue
    }
    const s = parseSample(line)
    for (const k of Object.keys(s.labels)) if (!LABEL.test(k)) throw new Error(`bad label name ${k}`)
    const f = familyOf(s.name)
    if (!f) throw new Error(`sample ${s.name} has no # TYPE`)
    if (f !== current) throw new Error(`sample ${s.name} is not with its family ${f.name}`)
    f.samples.push(s)
  }
  return families
}

/** The value of the one sample of `name` whose labels include `labels` (throws when none or several match). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
) {
  const all = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name)
  const hits = all.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (hits.length !== 1)
    throw new Error(
      `${hits.length} samples of ${name} match ${JSON.stringify(labels)}: ${JSON.stringify(all)}`,
    )
  return hits[0]!.value
}

/** Samples of `name` (any labels). */
export function samples(families: Map<string, Family>, name: string): Sample[] {
  return [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name)
}
