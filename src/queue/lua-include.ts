// Joins a Lua script with its shared fragments: each `--- @include "path"` line is replaced by that file's text
// (paths relative to the including file, includes nested), every file at most once, at its first include.
import { dirname, join } from 'node:path/posix'

const INCLUDE = /^---\s*@include\s+"([^"]+)"\s*$/

/** The script at `path` with its includes joined in; `read` gives a file's text by path. */
export function joinIncludes(path: string, read: (path: string) => string): string {
  const seen = new Set<string>([path])
  const expand = (file: string, text: string, chain: string[]): string =>
    text
      .split('\n')
      .map((line, i) => {
        const m = INCLUDE.exec(line)
        if (!m) return line
        const target = join(dirname(file), m[1]!)
        if (chain.includes(target)) {
          throw new Error(
            `${file}:${i + 1}: include cycle through ${target} (${[...chain, target].join(' -> ')})`,
          )
        }
        if (seen.has(target)) return `-- (${m[1]} is included above)`
        seen.add(target)
        let body: string
        try {
          body = read(target)
        } catch (err) {
          throw new Error(`${file}:${i + 1}: cannot include ${m[1]}: ${(err as Error).message}`)
        }
        return expand(target, body.replace(/\n$/, ''), [...chain, target])
      })
      .join('\n')
  return expand(path, read(path), [path])
}
