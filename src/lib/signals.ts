// Shutdown on the first SIGINT or SIGTERM, for daemons that stop gracefully: as a promise or an AbortSignal.

export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      resolve(sig)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}

/** Aborts on the first SIGINT or SIGTERM; its reason is the signal's name. */
export function shutdownSignal(): AbortSignal {
  const ctl = new AbortController()
  waitForShutdownSignal().then((sig) => ctl.abort(sig))
  return ctl.signal
}
