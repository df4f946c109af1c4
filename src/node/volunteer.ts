// A volunteer's node that allows no command (the default `join` writes): it runs container images only, yet still
// declares "command" to the hub, so a command task reaches it and is refused as an Error that names the flags its
// owner can pass, instead of being skipped in silence.
import type { Capability, TaskConfig } from '../hub/protocol.js'
import { SELF } from '../lib/self.js'
import { type InstanceSpec, type RunningInstance, type Runtime, StartError } from './runtime.js'

export class ImageOnlyRuntime implements Runtime {
  readonly name: Runtime['name']

  constructor(private readonly inner: Runtime) {
    this.name = inner.name
  }

  capabilities(): Capability[] {
    return [...new Set<Capability>([...this.inner.capabilities(), 'command'])]
  }

  cannotRun(task: TaskConfig): string | null {
    if (task.command != null && !task.image) return refusal(task)
    return this.inner.cannotRun(imageOnly(task))
  }

  start(spec: InstanceSpec): Promise<RunningInstance> {
    if (spec.task.command != null && !spec.task.image)
      return Promise.reject(new StartError(refusal(spec.task)))
    return this.inner.start({ ...spec, task: imageOnly(spec.task) })
  }

  cleanupLeftovers(nodeId: string): Promise<number> {
    return this.inner.cleanupLeftovers(nodeId)
  }
}

export function refusal(task: TaskConfig): string {
  const worker = Array.isArray(task.command) && task.command[0] === SELF
  return `task "${task.task_name}" runs a command, and this volunteer node runs container images only: its owner can allow commands with --runtime process (any program) or --allow-command PROGRAM (in gridnode.toml: runtime = "process", or allowed_commands)${worker ? '; this one is gridcore run --command, allowed alone by --allow-command gridcore --allow-shell' : ''}`
}

/** The task as an image task: a task with both an image and a command runs its image here. */
function imageOnly(task: TaskConfig): TaskConfig {
  if (task.command == null && task.shell == null && task.cwd == null) return task
  const { command: _c, shell: _s, cwd: _w, ...rest } = task
  return rest
}
