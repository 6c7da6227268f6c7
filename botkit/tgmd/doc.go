// Package tgmd turns Markdown, as language models write it, into HTML that
// Telegram's Bot API accepts, and cuts long replies into messages that fit.
//
// # Rendering
//
// Render parses Markdown with goldmark (CommonMark plus GFM tables,
// strikethrough and task lists, and ||spoilers||) and writes Telegram's
// small HTML dialect itself: headings become bold lines, lists become
// bullet or numbered lines with nested lists indented, tables become
// aligned columns in <pre>, fenced code becomes <pre><code
// class="language-x">, images become links, and raw HTML in the Markdown is
// shown as text. The output is always balanced and escaped, even for
// Markdown cut off mid-stream: an unclosed code fence runs to the end of the
// text and is closed, and RenderPartial also closes emphasis, strikethrough,
// spoilers and inline code left open at the end.
//
// # Splitting
//
// Telegram refuses messages longer than 4096 UTF-16 code units of visible
// text. Split cuts rendered HTML into parts within a limit, at blank lines
// between blocks if it can, else at line breaks, words or characters, and
// never inside a tag, an entity, a surrogate pair or a grapheme cluster. Tags
// open at a cut are closed and opened again in the next part, so a long code
// block goes on as code in its language. RenderParts does both steps.
//
// # Validation
//
// Validate checks HTML the way Telegram does (tags, attributes, nesting,
// entities, length) and is stricter where Telegram's documentation is: it
// is the contract that Render and Split are tested against, and the check
// that a fake Telegram server applies to the messages it receives. Errors
// are *HTMLError values naming the byte offset and the problem; they unwrap
// to ErrInvalidHTML, and to ErrTooLong or ErrEmpty for length problems.
// UTF16Len and VisibleLen measure text as Telegram does.
//
// # Plain text
//
// When Telegram still refuses a formatted message, PlainText renders the
// same Markdown without markup (link targets in parentheses) and SplitPlain
// cuts it at the same boundaries, to be sent without a parse mode.
package tgmd
