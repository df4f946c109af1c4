#!/usr/bin/env node
// gridcore entry point: hands argv to oclif, which loads the compiled commands from dist/.
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url })
// Exit as soon as the command is done, instead of waiting for idle keep-alive sockets to time out.
process.exit()
