// A TaskConfig as a hub serves it, with the fields a test names (input queue "q", no Redis URLs by default).
import type { TaskConfig } from '../../src/hub/protocol.js'

export const taskConfig = (o: Partial<TaskConfig> = {}): TaskConfig => ({
  task_name: 't',
  image: '',
  redis_url: null,
  input_redis: null,
  output_redis: null,
  input_queue: 'q',
  output_queue: null,
  ...o,
})
