// Vitest global setup: the CLI tests run the compiled dist/, so it must exist.
import { existsSync } from 'node:fs'

export default function setup(): void {
  if (!existsSync(new URL('../../dist/commands', import.meta.url))) {
    throw new Error('dist/ is missing: run npm run build (npm test does it) before vitest')
  }
}
