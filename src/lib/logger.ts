// Daemon logs: readable text on a TTY, one JSON object per line with --log-format json; secrets masked.
import { redactText } from './redact.js'

export type LogFormat = 'text' | 'json'
export type LogLevel = 'info' | 'warn' | 'error'

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

export interface LoggerOptions {
  format: LogFormat
  /** Component name shown on every line (hub, node). */
  component: string
  /** Strings that must never appear in a log line (tokens, passwords). */
  secrets?: readonly (string | undefined)[]
  write?: (line: string) => void
}

export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`))
  const secrets = opts.secrets ?? []
  const emit = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    const time = new Date().toISOString()
    let line: string
    if (opts.format === 'json') {
      line = JSON.stringify({ time, level, component: opts.component, msg, ...fields })
    } else {
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ')
      line = `${time} ${level.toUpperCase().padEnd(5)} ${opts.component}: ${msg}${extra ? ` ${extra}` : ''}`
    }
    write(redactText(line, secrets))
  }
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  }
}
