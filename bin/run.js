#!/usr/bin/env node
// gridcore entry point: hands argv to oclif, which loads the compiled commands from dist/. The worker nodes start
// for `run --command` skips oclif's start-up when its argv is the plain form (src/cli/worker-main.ts).
if (process.argv[2] === 'worker') {
  const { workerMain } = await import('../dist/cli/worker-main.js')
  const code = await workerMain(process.argv.slice(3))
  if (code !== undefined) process.exit(code)
}
const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
// Exit as soon as the command is done, instead of waiting for idle keep-alive sockets to time out.
process.exit()
