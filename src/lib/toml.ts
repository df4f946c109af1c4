// Reads and writes TOML files with one clear error line for missing, unreadable or malformed files.
import { readFileSync } from 'node:fs'
import { parse, stringify, TomlError } from 'smol-toml'
import { configError } from './errors.js'
import { type WriteOptions, writeFileAtomic } from './fs.js'

export type TomlTable = Record<string, unknown>

/** Parses a TOML file; `undefined` when it does not exist and `optional` is set. */
export function readToml(path: string, what: string, optional: true): TomlTable | undefined
export function readToml(path: string, what: string, optional?: false): TomlTable
export function readToml(path: string, what: string, optional = false): TomlTable | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && optional) return undefined
    if (code === 'ENOENT') throw configError(`${what} ${path} does not exist: check the path`)
    throw configError(
      `cannot read ${what} ${path} (${code ?? (err as Error).message}): check that it is a readable file`,
    )
  }
  try {
    return parse(text) as TomlTable
  } catch (err) {
    const where = err instanceof TomlError ? ` at line ${err.line}` : ''
    throw configError(`${what} ${path} is not valid TOML${where}: fix the file or write it again`)
  }
}

export function writeToml(path: string, table: TomlTable, opts: WriteOptions = {}, header = ''): void {
  writeFileAtomic(path, `${header}${stringify(table)}\n`, opts)
}
