// The hub's status page: asks for a token once (kept in sessionStorage, sent only as a Bearer header, never in a
// URL), then renders GET /api/overview every 2 s. Text only through textContent: nothing a node reports is HTML.
;(() => {
  const KEY = 'gridcore.token'
  const REFRESH_MS = 2000
  const $ = (id) => document.getElementById(id)
  let timer = 0
  let token = sessionStorage.getItem(KEY) || ''

  const el = (tag, text, cls) => {
    const e = document.createElement(tag)
    if (text !== undefined && text !== null) e.textContent = String(text)
    if (cls) e.className = cls
    return e
  }
  const int = (n) => (n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US'))
  const rate = (r) => {
    if (r === null || r === undefined) return '– items/s'
    if (r >= 1000) return `${(r / 1000).toFixed(1)}k items/s`
    return `${r.toFixed(r < 10 ? 1 : 0)} items/s`
  }
  const duration = (s) => {
    if (s === null || s === undefined || !Number.isFinite(s)) return '?'
    if (s < 60) return `${Math.round(s)}s`
    const m = Math.floor(s / 60)
    if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`
    return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
  }
  const ago = (iso, now) => {
    const s = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000))
    if (s < 60) return `${s}s ago`
    if (s < 3600) return `${Math.floor(s / 60)}m ago`
    return `${Math.floor(s / 3600)}h ago`
  }
  const list = (names) => (names.length ? names.join(', ') : '–')

  const showLogin = (message) => {
    clearTimeout(timer)
    $('board').hidden = true
    $('forget').hidden = true
    $('login').hidden = false
    $('status').textContent = ''
    $('login-error').textContent = message || ''
    $('token').focus()
  }

  const renderGroup = (g) => {
    const box = el('div', undefined, 'group')
    box.dataset.group = g.group
    const title = el('h3')
    title.append(el('span', g.group, 'tag'), ' ', g.current ? g.current : el('span', 'idle', 'muted'))
    box.append(title)
    const p = g.progress
    if (!p) return box
    box.dataset.task = p.task
    if (p.error) {
      box.append(el('p', p.error, 'warn'))
      return box
    }
    const bar = el('progress')
    bar.max = Math.max(1, p.total)
    bar.value = p.done
    bar.dataset.task = p.task
    const pct = p.total ? Math.floor((100 * p.done) / p.total) : 0
    bar.textContent = `${pct}%`
    box.append(bar)
    const facts = el('p', undefined, 'facts')
    facts.append(
      el('span', `${int(p.done)} / ${int(p.total)} (${pct}%)`, 'count'),
      el('span', rate(p.rate), 'rate'),
      el('span', `ETA ${p.eta_s === 0 ? 'done' : duration(p.eta_s)}`, 'eta'),
      el('span', `${int(p.waiting)} waiting, ${int(p.processing)} processing`, 'muted'),
      el('span', `${int(p.failed)} failed, ${int(p.dead)} dead`, p.failed || p.dead ? 'warn' : 'muted'),
    )
    box.append(facts)
    return box
  }

  /** A node id, shortened (nodes on one host differ by it); the whole id on hover. */
  const idCell = (id) => {
    const td = el('td', id.length > 8 ? id.slice(0, 8) : id, 'id')
    td.title = id
    return td
  }

  const renderNode = (n, now) => {
    const tr = el('tr')
    tr.dataset.node = n.id
    const group = n.group ? `${n.group}${n.group_explicit === false ? ' (auto)' : ''}` : 'default'
    const runtime = el('td', n.runtime_status || '–', `rt-${(n.runtime_status || 'none').toLowerCase()}`)
    if (n.runtime_error) runtime.title = n.runtime_error.message
    tr.append(
      el('td', n.hostname, 'host'),
      idCell(n.id),
      el('td', n.address || '–'),
      el('td', n.architecture),
      el('td', group),
      el('td', n.status, `st-${n.status.toLowerCase()}`),
      runtime,
      el('td', n.active_containers, 'num active'),
      el('td', ago(n.last_seen, now)),
      el('td', n.serving || '–'),
      el('td', n.ledger ? int(n.ledger.done) : '–', 'num done'),
      el('td', n.ledger ? int(n.ledger.failed) : '–', 'num errors'),
    )
    return tr
  }

  const render = (o) => {
    $('groups').replaceChildren(...o.groups.filter((g) => g.current || g.pending.length).map(renderGroup))
    if (!$('groups').childElementCount) $('groups').append(el('p', 'No task is running.', 'muted'))
    $('nodes').tBodies[0].replaceChildren(...o.nodes.map((n) => renderNode(n, o.now)))
    $('no-nodes').hidden = o.nodes.length > 0
    $('tasks').tBodies[0].replaceChildren(
      ...o.groups.map((g) => {
        const tr = el('tr')
        tr.dataset.group = g.group
        tr.append(
          el('td', g.group),
          el('td', g.current || '–'),
          el('td', list(g.pending)),
          el('td', list(g.completed)),
          el('td', list(g.cancelled)),
        )
        return tr
      }),
    )
    $('logs').textContent =
      `Instance log lines received: ${int(o.logs.received)}, dropped: ${int(o.logs.dropped)} (gridcore logs shows them).`
    $('status').textContent = `updated ${new Date(o.now).toLocaleTimeString()}`
    $('status').className = ''
  }

  /** One refresh; false when the token was refused (the login form is shown again). */
  const refresh = async () => {
    clearTimeout(timer)
    let res
    try {
      res = await fetch('api/overview', {
        headers: { authorization: `Bearer ${token}` },
        cache: 'no-store',
        credentials: 'omit',
      })
    } catch {
      $('status').textContent = 'the hub does not answer; retrying'
      $('status').className = 'warn'
      timer = setTimeout(refresh, REFRESH_MS)
      return true
    }
    if (res.status === 401 || res.status === 403) {
      sessionStorage.removeItem(KEY)
      token = ''
      showLogin(
        res.status === 401
          ? 'The hub refused this token (unknown, revoked or expired).'
          : 'This token cannot read the cluster (a node token?): use a read, submit or admin token.',
      )
      return false
    }
    if (!res.ok) {
      $('status').textContent = `the hub answered ${res.status}; retrying`
      $('status').className = 'warn'
    } else {
      render(await res.json())
    }
    timer = setTimeout(refresh, REFRESH_MS)
    return true
  }

  const start = async () => {
    $('login').hidden = true
    $('login-error').textContent = ''
    if (await refresh()) {
      sessionStorage.setItem(KEY, token)
      $('board').hidden = false
      $('forget').hidden = false
    }
  }

  $('login').addEventListener('submit', (e) => {
    e.preventDefault()
    token = $('token').value.trim()
    $('token').value = ''
    if (token) start()
  })
  $('forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY)
    token = ''
    showLogin('')
  })
  if (token) start()
  else showLogin('')
})()
