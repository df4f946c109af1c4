#!/usr/bin/env node
// gridcore entry point: hands argv to oclif, which loads the compiled commands from dist/.
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url })
