// Render note text the way Kitsu's web app shows a comment, for the parity tests
// (tests/test_note_rendering.py). Our own code, written from these facts about the
// frontend (cgwire/kitsu src/lib/render.js, at the versions package.json pins):
//
//   1. marked (GFM, marked's defaults: gfm on, breaks off) with marked-emoji, whose
//      renderer writes the emoji itself: `:tada:` becomes the character.
//   2. sanitize-html with sanitize-html's default tags plus img, attributes
//      a: class, href and img: src.
//   3. On the sanitized HTML, as plain string replacements:
//      - each person Zou stored as mentioned: `@<full name>` becomes
//        <a class="mention" href="/people/<id>">;
//      - each department Zou stored as mentioned: `@<name>` becomes
//        <span style="color: ...">;
//      - each task type of the entity with a URL: `#<name, HTML-encoded>` becomes
//        <a class="mention mention-task">; and `#All` always does;
//      - the timecode pattern v(\d+) (\d+:)?(\d+):(\d+)(\.|:)(\d+) \((\d+)\) becomes
//        <span class="timecode">.
//
// Kitsu's emoji list is GitHub's (names of letters, digits, _, + and -). Here every such
// name written between two colons anywhere in the input counts as an emoji, a superset
// of Kitsu's list, and the emoji is U+E000 (private use) so a test can find it.
//
// Input (stdin, JSON): {"items": [{"text", "mentions": [{"id", "full_name"}],
//   "department_mentions": [{"id", "name", "color"}], "task_types": [{"name", "url"}],
//   "breaks": false}]}. "breaks": true renders with marked's breaks option instead (no
//   substitutions): the reference for "single line breaks are line breaks".
// Output (stdout, JSON): {"html": ["...", ...], "versions": {...}}.

import { readFileSync } from 'node:fs'

import { Marked } from 'marked'
import { markedEmoji } from 'marked-emoji'
import sanitizeHTML from 'sanitize-html'

export const EMOJI = '\uE000'
export const BASE_EMOJIS = ['tada', 'smile', '+1', '-1', '100', '1234', 'heart', 'white_check_mark']
export const TIME_CODE = /v(\d+) (\d+:)?(\d+):(\d+)(\.|:)(\d+) \((\d+)\)/g

const NAME_BETWEEN_COLONS = /:(?=([A-Za-z0-9_+-]*[A-Za-z][A-Za-z0-9_+-]*):)/g

export function emojiNames(texts) {
  const names = new Set(BASE_EMOJIS)
  for (const text of texts) {
    for (const match of text.matchAll(NAME_BETWEEN_COLONS)) names.add(match[1])
  }
  return names
}

export function makeMarked(names, breaks = false) {
  const emojis = Object.fromEntries([...names].map(name => [name, EMOJI]))
  const marked = new Marked({ gfm: true, breaks })
  marked.use(markedEmoji({ emojis, renderer: token => token.emoji }))
  return marked
}

export function sanitize(html) {
  return sanitizeHTML(html, {
    allowedTags: sanitizeHTML.defaults.allowedTags.concat(['img']),
    allowedAttributes: { a: ['class', 'href'], img: ['src'] }
  })
}

const encodeHtmlEntities = text =>
  text.replace(
    /[&<>'"]/g,
    char => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&#39;', '"': '&quot;' })[char]
  )

export function substitute(html, item) {
  for (const person of item.mentions || []) {
    html = html.replaceAll(
      `@${person.full_name}`,
      `<a class="mention" href="/people/${person.id}">@${person.full_name}</a>`
    )
  }
  for (const department of item.department_mentions || []) {
    html = html.replaceAll(
      `@${department.name}`,
      `<span style="color: ${department.color}">@${department.name}</span>`
    )
  }
  for (const taskType of item.task_types || []) {
    const name = encodeHtmlEntities(taskType.name)
    if (taskType.url) {
      html = html.replaceAll(
        `#${name}`,
        `<a class="mention mention-task" href="${taskType.url}">#${name}</a>`
      )
    }
  }
  html = html.replaceAll('#All', '<a class="mention mention-task" href="#">#All</a>')
  return html.replaceAll(
    TIME_CODE,
    (match, version, hours, minutes, seconds, sep, subframes, frame) =>
      `<span class="timecode" data-version-revision="${version}" data-frame="${frame}">${match}</span>`
  )
}

export function renderAll(items) {
  const names = emojiNames(items.map(item => item.text || ''))
  const kitsu = makeMarked(names)
  const withBreaks = makeMarked(names, true)
  return items.map(item => {
    const text = item.text || ''
    if (!text.length) return ''
    if (item.breaks) return sanitize(withBreaks.parse(text))
    return substitute(sanitize(kitsu.parse(text)), item)
  })
}

function versions() {
  const found = {}
  for (const name of ['marked', 'marked-emoji', 'sanitize-html']) {
    const file = new URL(`node_modules/${name}/package.json`, import.meta.url)
    found[name] = JSON.parse(readFileSync(file, 'utf8')).version
  }
  return found
}

const request = JSON.parse(readFileSync(0, 'utf8'))
process.stdout.write(JSON.stringify({ html: renderAll(request.items), versions: versions() }))
