#!/usr/bin/env node
// bench:peers' BullMQ worker process: the same square root as the line filter, the result kept as the job's
// return value. Configured by BULL_PORT, BULL_PASSWORD, BULL_QUEUE; stops on SIGTERM.
import { Worker } from 'bullmq'

const env = process.env
const worker = new Worker(env.BULL_QUEUE, async (job) => String(Math.sqrt(Number(job.data))), {
  connection: { host: '127.0.0.1', port: Number(env.BULL_PORT), password: env.BULL_PASSWORD },
  concurrency: 50,
})
process.once('SIGTERM', async () => {
  await worker.close()
  process.exit(0)
})
