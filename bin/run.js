#!/usr/bin/env node
// gridcore entry point: hands argv to oclif, which loads the compiled commands from dist/. Two forms skip oclif's
// start-up: `--version` (the same line oclif prints), and the worker nodes start for `run --command` when its argv
// is the plain form (src/cli/worker-main.ts).
if (process.argv[2] === '--version') {
  const { readFileSync } = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(
    `${pkg.oclif.bin}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`,
  )
  process.exit(0)
}
if (process.argv[2] === 'worker') {
  const { workerMain } = await import('../dist/cli/worker-main.js')
  const code = await workerMain(process.argv.slice(3))
  if (code !== undefined) process.exit(code)
}
const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
// Exit as soon as the command is done, instead of waiting for idle keep-alive sockets to time out.
process.exit()
