// Vitest global setup: the CLI tests run the compiled dist/, so it must exist (unit-tier runs need no dist).
import { existsSync } from 'node:fs'

/** True when vitest was given file filters and every one names a unit-tier file (*.unit.test.ts). */
function onlyUnitFiles(argv = process.argv): boolean {
  const filters = argv.slice(2).filter((a) => !a.startsWith('-') && !['run', 'watch', 'related'].includes(a))
  return filters.length > 0 && filters.every((f) => /\.unit\.test\.ts$/.test(f))
}

export default function setup(): void {
  if (onlyUnitFiles()) return
  if (!existsSync(new URL('../../dist/commands', import.meta.url))) {
    throw new Error('dist/ is missing: run npm run build (npm test does it) before vitest')
  }
}
