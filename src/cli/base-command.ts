// The base of every gridcore command: flags and args parsed once, --json, any error as one line + its exit code.
import { Command, Errors, type Interfaces } from '@oclif/core'
import { oneLine } from '../lib/errors.js'
import { redactText } from '../lib/redact.js'
import { errorJson, toGridcoreError } from './errors.js'

export type FlagsOf<C extends typeof Command> = Interfaces.InferredFlags<C['baseFlags'] & C['flags']>
export type ArgsOf<C extends typeof Command> = Interfaces.InferredArgs<C['args']>

/** `C` is the command's own class (`class Up extends GridcoreCommand<typeof Up>`), which types flags and args. */
export abstract class GridcoreCommand<C extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {}
  protected flags!: FlagsOf<C>
  protected args!: ArgsOf<C>
  /** Secrets this run knows about; masked in any error text. */
  protected secrets: string[] = []

  protected override async init(): Promise<void> {
    await super.init()
    const { flags, args } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: this.ctor.baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as FlagsOf<C>
    this.args = args as ArgsOf<C>
  }

  /** Prints human output (suppressed under --json). */
  protected say(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(`${text}\n`)
  }

  /** Prints a diagnostic on stderr (always; never on stdout). */
  protected note(text: string): void {
    process.stderr.write(`${this.redact(text)}\n`)
  }

  protected redact(text: string): string {
    return redactText(oneLine(text), this.secrets)
  }

  /** One line on stderr, the JSON error on stdout under --json (through toErrorJson), the documented exit code. */
  protected override async catch(err: Error): Promise<never> {
    if (err instanceof Errors.ExitError) throw err
    const e = toGridcoreError(err, this.id)
    process.stderr.write(`gridcore: ${this.redact(e.message)}\n`)
    if (process.env.GRIDCORE_DEBUG && e.code === 'INTERNAL' && err.stack)
      process.stderr.write(`${err.stack}\n`)
    process.exitCode = e.exitCode
    if (this.jsonEnabled()) await super.catch(e)
    return this.exit(e.exitCode)
  }

  protected override toErrorJson(err: unknown): { error: Record<string, unknown> } {
    const e = toGridcoreError(err, this.id)
    return errorJson(e, this.redact(e.message))
  }
}
